"""Alerts: written to ``system_alerts`` once per kind and provider, then sent to people.

``raise_alert`` puts the alert on a bounded queue and returns; a worker task writes it and hands
it to the notifiers (Slack, e-mail), each delivery on a task of its own with a timeout, so
neither a slow database nor a slow webhook ever reaches the request path.

De-duplication happens at two levels. In one process, a repeat of the same key within
``local_hold_s`` is dropped before it costs a query. In the database, the unique index on open
alerts keeps one row a key: a repeat bumps ``occurrences`` and ``last_seen_at``, and people are
notified again only when the previous notice of that row is older than ``window_s`` (claimed
with one conditional UPDATE, so replicas do not notify twice). When the database cannot be
reached the alert is still delivered: alerts matter most when things are failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import asyncpg

from guidera_grpc.operations.jobs import ACQUIRE_TIMEOUT_S

_log = logging.getLogger(__name__)

Severity = Literal["info", "warning", "error", "critical", "emergency"]

#: The kinds of alert the service raises, and how grave each is.
SEVERITIES: Mapping[str, Severity] = {
    "provider_down": "critical",
    "provider_degraded": "warning",
    "provider_recovered": "info",
    "high_error_rate": "error",
    "budget_warning": "warning",
    "budget_emergency": "critical",
    "budget_exceeded": "critical",
}


@dataclass(frozen=True, slots=True)
class Alert:
    """Something an operator should know; ``scope`` narrows the de-duplication key."""

    kind: str
    message: str
    provider: str | None = None
    details: Mapping[str, object] = field(default_factory=dict)
    scope: str = ""

    @property
    def severity(self) -> Severity:
        """How grave the alert is, by its kind."""
        return SEVERITIES.get(self.kind, "warning")

    @property
    def dedupe_key(self) -> str:
        """At most one open alert has this key."""
        key = f"{self.kind}:{self.provider or '*'}"
        return f"{key}:{self.scope}" if self.scope else key

    def text(self) -> str:
        """One line for a chat message or a mail subject."""
        where = f" ({self.provider})" if self.provider else ""
        return f"[{self.severity.upper()}] {self.kind}{where}: {self.message}"


class Notifier(Protocol):
    """Sends an alert to people; raises when it could not."""

    name: str

    async def send(self, alert: Alert) -> None: ...

    async def close(self) -> None: ...


_INSERT = """
INSERT INTO system_alerts (kind, severity, provider, message, details, dedupe_key)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (dedupe_key) WHERE acknowledged_at IS NULL AND dedupe_key IS NOT NULL
DO UPDATE SET occurrences = system_alerts.occurrences + 1,
              last_seen_at = now(),
              details = EXCLUDED.details
RETURNING id
"""

_CLAIM = """
UPDATE system_alerts SET notified_at = now()
WHERE id = $1 AND (notified_at IS NULL OR notified_at < now() - make_interval(secs => $2))
RETURNING id
"""


class AlertCenter:
    """Records and delivers alerts off the request path."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        notifiers: Sequence[Notifier] = (),
        *,
        window_s: float = 3600.0,
        local_hold_s: float = 60.0,
        max_queue: int = 1000,
        delivery_timeout_s: float = 15.0,
        max_deliveries: int = 8,
    ) -> None:
        self._pool = pool
        self.notifiers = list(notifiers)
        self.window_s = window_s
        self.local_hold_s = local_hold_s
        self.delivery_timeout_s = delivery_timeout_s
        self._queue: asyncio.Queue[Alert] = asyncio.Queue(max_queue)
        self._last_raised: dict[str, float] = {}
        self._deliveries: set[asyncio.Task[None]] = set()
        self._delivery_slots = asyncio.Semaphore(max_deliveries)
        self._max_pending_deliveries = max_deliveries * 16
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def raise_alert(self, alert: Alert) -> None:
        """Queue ``alert``; returns at once whatever the database or the notifiers do."""
        now = time.monotonic()
        last = self._last_raised.get(alert.dedupe_key)
        if last is not None and now - last < self.local_hold_s:
            return
        if len(self._last_raised) > 1000:
            self._last_raised.clear()
        self._last_raised[alert.dedupe_key] = now
        try:
            self._queue.put_nowait(alert)
        except asyncio.QueueFull:
            self.dropped += 1
            _log.warning("alert queue full; dropped", extra={"fields": {"kind": alert.kind}})

    def start(self) -> None:
        """Start the worker task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="alerts")

    async def drain(self) -> None:
        """Wait until every queued alert is recorded and every delivery has ended."""
        await self._queue.join()
        while self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def close(self, grace_s: float = 10.0) -> None:
        """Record and deliver what is queued (for up to ``grace_s``), then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain(), grace_s)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task in list(self._deliveries):
            task.cancel()
        await asyncio.gather(*self._deliveries, return_exceptions=True)
        for notifier in self.notifiers:
            await notifier.close()

    async def _run(self) -> None:
        while True:
            alert = await self._queue.get()
            try:
                if await self._record(alert):
                    self._deliver(alert)
            finally:
                self._queue.task_done()

    async def _record(self, alert: Alert) -> bool:
        """Write or bump the alert's row; say whether people should be told now."""
        try:
            async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
                alert_id = await conn.fetchval(
                    _INSERT,
                    alert.kind,
                    alert.severity,
                    alert.provider,
                    alert.message,
                    dict(alert.details),
                    alert.dedupe_key,
                )
                claimed = (
                    await conn.fetchval(_CLAIM, alert_id, self.window_s) if self.notifiers else None
                )
        except Exception as exc:
            _log.warning(
                "alert not recorded; delivering it anyway",
                extra={"fields": {"kind": alert.kind, "error": repr(exc)}},
            )
            return True
        _log.info(
            "alert raised",
            extra={"fields": {"kind": alert.kind, "provider": alert.provider, "id": alert_id}},
        )
        return claimed is not None

    def _deliver(self, alert: Alert) -> None:
        for notifier in self.notifiers:
            if len(self._deliveries) >= self._max_pending_deliveries:
                self.dropped += 1
                _log.warning("too many alert deliveries pending; dropped one")
                continue
            task = asyncio.create_task(self._send(notifier, alert))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)

    async def _send(self, notifier: Notifier, alert: Alert) -> None:
        async with self._delivery_slots:
            try:
                await asyncio.wait_for(notifier.send(alert), self.delivery_timeout_s)
            except Exception as exc:
                _log.warning(
                    "alert delivery failed",
                    extra={"fields": {"notifier": notifier.name, "error": repr(exc)}},
                )

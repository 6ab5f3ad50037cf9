"""Per-call health metrics, written to ``api_providers`` in batches, with status changes.

``observe`` appends each call to the provider's window in memory (the last hour, bounded) and
to counters not yet written. ``sync`` adds the counters to the table (successes, failures,
consecutive failures, last success and failure), then judges each provider that had calls by
:mod:`.health_rules` and writes its score, latency figures and status, all in one transaction
that holds the providers' rows, so a recovery on another replica cannot interleave. Status
changes and high error rates become alerts once the transaction is committed.

Each replica judges from its own share of the traffic; the counters add up across replicas.
When the recovery job restores a provider, the windows forget the calls from before, so that an
old outage does not disable it again.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from guidera_grpc.operations import health_rules
from guidera_grpc.operations.alerts import Alert, AlertCenter
from guidera_grpc.operations.health_rules import Sample, Status, Verdict
from guidera_grpc.operations.jobs import ACQUIRE_TIMEOUT_S
from guidera_grpc.resilience.seams import CallRecord

_log = logging.getLogger(__name__)

MAX_SAMPLES = 20_000

_ADD_COUNTS = """
UPDATE api_providers AS p
SET success_count = p.success_count + d.successes,
    failure_count = p.failure_count + d.failures,
    consecutive_failures = CASE WHEN d.had_success THEN d.trailing_failures
                                ELSE p.consecutive_failures + d.trailing_failures END,
    last_success_at = greatest(p.last_success_at, d.last_success),
    last_failure_at = greatest(p.last_failure_at, d.last_failure)
FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::integer[], $5::boolean[],
            $6::timestamptz[], $7::timestamptz[])
     AS d(code, successes, failures, trailing_failures, had_success, last_success,
          last_failure)
WHERE p.code = d.code
RETURNING p.code, p.status, p.status_changed_at, p.consecutive_failures, p.expected_latency_ms
"""

_WRITE_VERDICTS = """
UPDATE api_providers AS p
SET health_score = d.score,
    status = d.status,
    status_reason = CASE WHEN d.changed THEN d.reason ELSE p.status_reason END,
    status_changed_at = CASE WHEN d.changed THEN now() ELSE p.status_changed_at END,
    avg_latency_ms = coalesce(d.avg_ms, p.avg_latency_ms),
    latency_p50_ms = coalesce(d.p50_ms, p.latency_p50_ms),
    latency_p95_ms = coalesce(d.p95_ms, p.latency_p95_ms)
FROM unnest($1::text[], $2::numeric[], $3::text[], $4::text[], $5::boolean[], $6::integer[],
            $7::integer[], $8::integer[])
     AS d(code, score, status, reason, changed, avg_ms, p50_ms, p95_ms)
WHERE p.code = d.code
"""


@dataclass(slots=True)
class _Counts:
    """Calls of one provider not yet added to the table."""

    successes: int = 0
    failures: int = 0
    trailing_failures: int = 0
    had_success: bool = False
    last_success: dt.datetime | None = None
    last_failure: dt.datetime | None = None

    def add(self, ok: bool, at: dt.datetime) -> None:
        if ok:
            self.successes += 1
            self.trailing_failures = 0
            self.had_success = True
            self.last_success = at
        else:
            self.failures += 1
            self.trailing_failures += 1
            self.last_failure = at

    def then(self, later: _Counts) -> _Counts:
        """These counts followed by ``later``'s (to put back counts that failed to write)."""
        return _Counts(
            self.successes + later.successes,
            self.failures + later.failures,
            later.trailing_failures
            if later.had_success
            else (self.trailing_failures + later.trailing_failures),
            self.had_success or later.had_success,
            later.last_success or self.last_success,
            later.last_failure or self.last_failure,
        )


@dataclass(slots=True)
class _Window:
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES))
    counts: _Counts = field(default_factory=_Counts)
    seen_change: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class _Change:
    provider: str
    before: Status
    verdict: Verdict
    error_rate: float | None


class HealthMonitor:
    """Implements CallObserver for health: windows in memory, figures in ``api_providers``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        alerts: AlertCenter | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._pool = pool
        self._alerts = alerts
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def observe(self, record: CallRecord) -> None:
        """Count ``record``'s call in its provider's window."""
        ok = health_rules.outcome(record)
        if ok is None:
            return
        now = self._clock()
        window = self._windows.setdefault(record.provider, _Window())
        window.samples.append(Sample(now, ok, record.duration_ms))
        window.counts.add(ok, dt.datetime.fromtimestamp(now, dt.UTC))

    async def sync(self) -> None:
        """Write the counters, then the verdicts of the providers that had calls."""
        taken = {
            code: window.counts
            for code, window in self._windows.items()
            if window.counts.successes or window.counts.failures
        }
        if not taken:
            return
        for code in taken:
            self._windows[code].counts = _Counts()
        try:
            changes = await self._write(taken)
        except BaseException:
            for code, counts in taken.items():
                window = self._windows[code]
                window.counts = counts.then(window.counts)
            raise
        self._announce(changes)

    async def _write(self, taken: dict[str, _Counts]) -> list[_Change]:
        codes = sorted(taken)
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            rows = await conn.fetch(
                _ADD_COUNTS,
                codes,
                [taken[c].successes for c in codes],
                [taken[c].failures for c in codes],
                [taken[c].trailing_failures for c in codes],
                [taken[c].had_success for c in codes],
                [taken[c].last_success for c in codes],
                [taken[c].last_failure for c in codes],
            )
            changes = [self._judge(row) for row in rows]
            await conn.execute(_WRITE_VERDICTS, *_verdict_columns(changes))
        return changes

    def _judge(self, row: asyncpg.Record) -> _Change:
        window = self._windows[row["code"]]
        self._forget_before_recovery(window, row["status"], row["status_changed_at"])
        now = self._clock()
        samples = list(window.samples)
        verdict = health_rules.judge(
            samples,
            now=now,
            expected_latency_ms=row["expected_latency_ms"],
            current=row["status"],
            consecutive_failures=row["consecutive_failures"],
        )
        return _Change(
            row["code"], row["status"], verdict, health_rules.error_rate(samples, now=now)
        )

    @staticmethod
    def _forget_before_recovery(
        window: _Window, status: Status, changed_at: dt.datetime | None
    ) -> None:
        if changed_at is None or changed_at == window.seen_change:
            return
        window.seen_change = changed_at
        if status == "active":
            cutoff = changed_at.timestamp()
            while window.samples and window.samples[0].at < cutoff:
                window.samples.popleft()

    def _announce(self, changes: list[_Change]) -> None:
        for change in changes:
            self._announce_one(change)

    def _announce_one(self, change: _Change) -> None:
        verdict = change.verdict
        details = {"health_score": verdict.score, "reason": verdict.reason, "slow": verdict.slow}
        if verdict.status != change.before:
            _log.warning(
                "provider status changed",
                extra={
                    "fields": {
                        "provider": change.provider,
                        "from": change.before,
                        **details,
                        "to": verdict.status,
                    }
                },
            )
            alert = _status_alert(change.provider, change.before, verdict)
            if alert is not None:
                self._raise(Alert(alert[0], alert[1], change.provider, details))
        if change.error_rate is not None and change.error_rate >= health_rules.HIGH_ERROR_RATE:
            message = f"{change.error_rate:.0%} of the last five minutes' calls failed"
            self._raise(Alert("high_error_rate", message, change.provider, details))

    def _raise(self, alert: Alert) -> None:
        if self._alerts is not None:
            self._alerts.raise_alert(alert)


def _status_alert(provider: str, before: Status, verdict: Verdict) -> tuple[str, str] | None:
    if verdict.status == "disabled":
        return "provider_down", f"{provider} disabled: {verdict.reason}"
    if verdict.status == "degraded":
        return "provider_degraded", f"{provider} degraded: {verdict.reason}"
    if before != "active":
        return "provider_recovered", f"{provider} healthy again"
    return None


def _verdict_columns(changes: list[_Change]) -> list[list[object]]:
    verdicts = [c.verdict for c in changes]
    return [
        [c.provider for c in changes],
        [v.score for v in verdicts],
        [v.status for v in verdicts],
        [v.reason for v in verdicts],
        [v.status != c.before for c, v in zip(changes, verdicts, strict=True)],
        [v.avg_latency_ms for v in verdicts],
        [v.p50_ms for v in verdicts],
        [v.p95_ms for v in verdicts],
    ]

"""The recovery job: health-checks degraded and disabled providers and restores the sound ones.

Every run (``GUIDERA_RECOVERY_INTERVAL_S``, 300 s by default) takes an advisory lock so that
one replica runs it. Each enabled provider that is not active gets one light check: the probe
the runtime supplies, a tiny real search through the provider's adapter, within a timeout.
Every check is written to ``provider_health_checks``. A provider is restored once at least 3
of its last 5 checks since it left ``active`` succeeded: status active, health raised by 20
(at most 100), consecutive failures reset, and one ``provider_recovered`` alert.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from guidera_grpc.operations.alerts import Alert, AlertCenter
from guidera_grpc.operations.jobs import ACQUIRE_TIMEOUT_S, once_across_replicas

_log = logging.getLogger(__name__)

#: Checks a provider; raises when the provider cannot serve.
Probe = Callable[[str], Awaitable[None]]

CHECKS_CONSIDERED = 5
CHECKS_NEEDED = 3
HEALTH_BONUS = 20

_CANDIDATES = """
SELECT code, status, status_changed_at AS since
FROM api_providers
WHERE enabled AND status <> 'active'
ORDER BY code
"""

_RECORD = """
INSERT INTO provider_health_checks
    (provider, check_type, ok, latency_ms, error_code, health_score, status, details)
SELECT code, 'recovery', $2, $3, $4, health_score, status, $5
FROM api_providers WHERE code = $1
RETURNING id
"""

_PASSED = """
SELECT count(*) FILTER (WHERE ok) FROM (
    SELECT ok FROM provider_health_checks
    WHERE provider = $1 AND check_type = 'recovery'
      AND ($2::timestamptz IS NULL OR checked_at >= $2)
    ORDER BY checked_at DESC, id DESC
    LIMIT $3
) AS latest
"""

_RESTORE = """
UPDATE api_providers
SET status = 'active',
    status_reason = $2,
    status_changed_at = now(),
    health_score = least(health_score + $3, 100),
    consecutive_failures = 0
WHERE code = $1 AND status <> 'active'
RETURNING health_score, status
"""

_NOTE_RESTORED = """
UPDATE provider_health_checks SET health_score = $2, status = $3 WHERE id = $1
"""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one probe."""

    ok: bool
    latency_ms: int
    error_code: str | None


class RecoveryJob:
    """Checks the providers that are not active; restores those that pass."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        alerts: AlertCenter | None,
        probe: Probe,
        *,
        probe_timeout_s: float = 10.0,
    ) -> None:
        self._pool = pool
        self._alerts = alerts
        self._probe = probe
        self.probe_timeout_s = probe_timeout_s
        self._restored: list[str] = []

    async def run_once(self, *, min_gap_s: float = 0.0) -> list[str] | None:
        """One round; the providers restored, or None when another replica holds the job
        (or ran it within ``min_gap_s``)."""
        self._restored = []
        ran = await once_across_replicas(
            self._pool, "recovery", self._check_all, min_gap_s=min_gap_s
        )
        return list(self._restored) if ran else None

    async def _check_all(self) -> None:
        candidates = await self._pool.fetch(_CANDIDATES)
        await asyncio.gather(*(self._check(row["code"], row["since"]) for row in candidates))

    async def _check(self, provider: str, since: dt.datetime | None) -> None:
        result = await self._probe_once(provider)
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn, conn.transaction():
            check_id = await conn.fetchval(
                _RECORD,
                provider,
                result.ok,
                result.latency_ms,
                result.error_code,
                {"probe": "search"},
            )
            passed = await conn.fetchval(_PASSED, provider, since, CHECKS_CONSIDERED)
            if passed < CHECKS_NEEDED:
                return
            reason = f"{passed} of the last {CHECKS_CONSIDERED} recovery checks passed"
            restored = await conn.fetchrow(_RESTORE, provider, reason, HEALTH_BONUS)
            if restored is None:
                return
            await conn.execute(
                _NOTE_RESTORED, check_id, restored["health_score"], restored["status"]
            )
        self._restored.append(provider)
        _log.warning("provider restored", extra={"fields": {"provider": provider}})
        if self._alerts is not None:
            details = {"checks_passed": passed, "health_score": float(restored["health_score"])}
            self._alerts.raise_alert(
                Alert("provider_recovered", f"{provider} restored: {reason}", provider, details)
            )

    async def _probe_once(self, provider: str) -> CheckResult:
        started = time.perf_counter()
        error: str | None = None
        try:
            await asyncio.wait_for(self._probe(provider), self.probe_timeout_s)
        except TimeoutError:
            error = "timeout"
        except Exception as exc:
            error = getattr(exc, "code", None) or type(exc).__name__
        latency_ms = round((time.perf_counter() - started) * 1000)
        return CheckResult(error is None, latency_ms, None if error is None else str(error)[:100])

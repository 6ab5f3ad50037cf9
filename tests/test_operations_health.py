"""Health against a real PostgreSQL: counters, score, status changes, the recovery job."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest

from guidera_grpc.operations import health_rules
from guidera_grpc.operations.alerts import AlertCenter
from guidera_grpc.operations.health import HealthMonitor
from guidera_grpc.operations.health_rules import Sample
from guidera_grpc.operations.jobs import lock_key
from guidera_grpc.operations.recovery import RecoveryJob
from tests.ops_support import call, migrated_database
from tests.pg import PgCluster


async def _provider(pool: asyncpg.Pool, code: str) -> asyncpg.Record:
    row: asyncpg.Record = await pool.fetchrow(
        "SELECT * FROM provider_health_summary WHERE provider = $1", code
    )
    return row


async def _alerts(pool: asyncpg.Pool) -> list[tuple[str, str | None, int]]:
    rows = await pool.fetch("SELECT kind, provider, occurrences FROM system_alerts ORDER BY id")
    return [(row["kind"], row["provider"], row["occurrences"]) for row in rows]


def test_score_is_the_shrunk_success_share_and_fifty_without_data() -> None:
    """No calls: 50. Many good calls: near 100. A single failure cannot drop it to 0."""
    assert health_rules.success_score([]) == 50.0
    good = [Sample(0, True, 100) for _ in range(200)]
    assert health_rules.success_score(good) > 98.5
    assert health_rules.success_score([Sample(0, False, 100)]) == pytest.approx(41.67, 0.01)


def test_status_moves_with_hysteresis() -> None:
    """Degraded under 70, back to active only at 80; disabled stays until the recovery job."""
    assert health_rules.next_status("active", 69, 0, slow=False, calls=50)[0] == "degraded"
    assert health_rules.next_status("degraded", 75, 0, slow=False, calls=50)[0] == "degraded"
    assert health_rules.next_status("degraded", 80, 0, slow=False, calls=50)[0] == "active"
    assert health_rules.next_status("active", 95, 3, slow=False, calls=50)[0] == "degraded"
    assert health_rules.next_status("active", 95, 10, slow=False, calls=50)[0] == "disabled"
    assert health_rules.next_status("disabled", 95, 0, slow=False, calls=50)[0] == "disabled"
    assert health_rules.next_status("active", 95, 0, slow=True, calls=50)[0] == "degraded"
    assert health_rules.next_status("active", 20, 0, slow=False, calls=9)[0] == "active"
    assert health_rules.next_status("degraded", 95, 0, slow=False, calls=9)[0] == "degraded"


async def test_counters_latency_and_a_failing_provider_going_down(pg_cluster: PgCluster) -> None:
    """Successes then failures: counters add up, active → degraded → disabled, two alerts."""
    async with migrated_database(pg_cluster) as (pool, _):
        alerts = AlertCenter(pool)
        alerts.start()
        monitor = HealthMonitor(pool, alerts)
        for latency in range(100, 1100, 50):
            monitor.observe(call("duffel", duration_ms=latency))
        monitor.observe(call("duffel", status="error", http_status=404))
        monitor.observe(call("duffel", status="circuit_open", http_status=None))
        refused = call("duffel", status="error", http_status=None)
        monitor.observe(dataclasses.replace(refused, sent=False))
        await monitor.sync()

        row = await _provider(pool, "duffel")
        assert (row["success_count"], row["failure_count"], row["status"]) == (21, 0, "active")
        assert (row["latency_p50_ms"], row["latency_p95_ms"]) == (550, 1000)
        assert float(row["health_score"]) == pytest.approx(100 * 23.5 / 26, abs=0.01)

        for _ in range(3):
            monitor.observe(call("duffel", status="timeout", http_status=None))
        await monitor.sync()
        row = await _provider(pool, "duffel")
        assert (row["status"], row["consecutive_failures"]) == ("degraded", 3)
        assert row["status_reason"] == "3 consecutive failures"

        for _ in range(7):
            monitor.observe(call("duffel", status="error", http_status=502))
        await monitor.sync()
        row = await _provider(pool, "duffel")
        assert (row["status"], row["consecutive_failures"], row["failure_count"]) == (
            "disabled",
            10,
            10,
        )
        await alerts.drain()
        assert await _alerts(pool) == [
            ("provider_degraded", "duffel", 1),
            ("provider_down", "duffel", 1),
        ]
        await alerts.close()


async def test_a_slow_supplier_is_degraded_without_errors(pg_cluster: PgCluster) -> None:
    """Calls that succeed at 4x the expected latency cost score points and degrade the provider."""
    async with migrated_database(pg_cluster) as (pool, _):
        monitor = HealthMonitor(pool, None)
        for _ in range(30):
            monitor.observe(call("kiwi", duration_ms=4800))  # kiwi is expected at 1200 ms
        await monitor.sync()

        row = await _provider(pool, "kiwi")
        assert row["failure_count"] == 0
        assert row["status"] == "degraded"
        assert row["status_reason"] == "latency over 3x the expected"
        assert float(row["health_score"]) < 60
        assert row["avg_latency_ms"] == 4800


async def test_high_error_rate_alert_once(pg_cluster: PgCluster) -> None:
    """Half of the last five minutes' calls failing raises one high_error_rate alert."""
    async with migrated_database(pg_cluster) as (pool, _):
        alerts = AlertCenter(pool, local_hold_s=0)
        alerts.start()
        monitor = HealthMonitor(pool, alerts)
        for _ in range(3):
            for index in range(20):
                ok = index % 2 == 0
                monitor.observe(call("viator", status="success" if ok else "timeout"))
            await monitor.sync()
            await alerts.drain()
        kinds = [(kind, count) for kind, _, count in await _alerts(pool)]
        assert ("high_error_rate", 3) in kinds
        assert sum(1 for kind, _ in kinds if kind == "high_error_rate") == 1
        await alerts.close()


class ScriptedProbe:
    """A probe that fails or passes in a given order, counting its calls by provider."""

    def __init__(self, outcomes: list[bool]) -> None:
        self.outcomes = outcomes
        self.calls: list[str] = []

    async def __call__(self, provider: str) -> None:
        self.calls.append(provider)
        if not self.outcomes.pop(0):
            raise ConnectionResetError("sandbox says no")


async def test_recovery_restores_after_three_of_five_good_checks(pg_cluster: PgCluster) -> None:
    """Fail, fail, pass, pass: still down; the fifth check passes: restored, +20, one alert."""
    async with migrated_database(pg_cluster) as (pool, _):
        await pool.execute(
            "UPDATE api_providers SET status = 'disabled', health_score = 25,"
            " consecutive_failures = 12, status_changed_at = now() WHERE code = 'kiwi'"
        )
        alerts = AlertCenter(pool)
        alerts.start()
        probe = ScriptedProbe([False, False, True, True, True])
        job = RecoveryJob(pool, alerts, probe)

        for _ in range(4):
            assert await job.run_once() == []
        assert (await _provider(pool, "kiwi"))["status"] == "disabled"
        assert await job.run_once() == ["kiwi"]
        assert await job.run_once() == []

        row = await _provider(pool, "kiwi")
        assert (row["status"], float(row["health_score"]), row["consecutive_failures"]) == (
            "active",
            45.0,
            0,
        )
        assert row["last_check_ok"] is True
        assert probe.calls == ["kiwi"] * 5
        checks = await pool.fetch(
            "SELECT ok, status FROM provider_health_checks WHERE provider = 'kiwi' ORDER BY id"
        )
        assert [(c["ok"], c["status"]) for c in checks] == [
            (False, "disabled"),
            (False, "disabled"),
            (True, "disabled"),
            (True, "disabled"),
            (True, "active"),
        ]
        await alerts.drain()
        assert await _alerts(pool) == [("provider_recovered", "kiwi", 1)]
        await alerts.close()


async def test_recovery_runs_on_one_replica_at_a_time(pg_cluster: PgCluster) -> None:
    """While another session holds the job's advisory lock, a run checks nothing."""
    async with migrated_database(pg_cluster) as (pool, _):
        await pool.execute("UPDATE api_providers SET status = 'degraded' WHERE code = 'viator'")
        probe = ScriptedProbe([True] * 3)
        job = RecoveryJob(pool, None, probe)
        async with pool.acquire() as holder:
            await holder.execute("SELECT pg_advisory_lock($1)", lock_key("recovery"))
            assert await job.run_once() is None
            await holder.execute("SELECT pg_advisory_unlock($1)", lock_key("recovery"))
        assert probe.calls == []
        assert await job.run_once() == []
        assert probe.calls == ["viator"]


async def test_a_recovered_provider_forgets_its_old_failures(pg_cluster: PgCluster) -> None:
    """After the recovery job restores it, old failures in memory do not disable it again."""
    async with migrated_database(pg_cluster) as (pool, _):
        monitor = HealthMonitor(pool, None)
        for _ in range(12):
            monitor.observe(call("cartrawler", status="timeout", http_status=None))
        await monitor.sync()
        assert (await _provider(pool, "cartrawler"))["status"] == "disabled"

        await asyncio.sleep(0.01)
        job = RecoveryJob(pool, None, ScriptedProbe([True] * 3))
        for _ in range(3):
            await job.run_once()
        assert (await _provider(pool, "cartrawler"))["status"] == "active"

        monitor.observe(call("cartrawler"))
        await monitor.sync()
        row = await _provider(pool, "cartrawler")
        assert row["status"] == "active"
        assert float(row["health_score"]) == pytest.approx(100 * 3.5 / 6, abs=0.01)

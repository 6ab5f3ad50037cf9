"""The call log against a real PostgreSQL: COPY batches, flush on close, outages, retention."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
import uuid
from decimal import Decimal

import asyncpg

from guidera_grpc.operations.calllog import CallLog
from guidera_grpc.operations.figures import Registry
from guidera_grpc.operations.retention import purge_old_rows
from guidera_grpc.operations.sanitize import REDACTED, sanitize
from tests.ops_support import call, eventually, migrated_database
from tests.pg import PgCluster


async def _count(pool: asyncpg.Pool) -> int:
    count: int = await pool.fetchval("SELECT count(*) FROM provider_logs")
    return count


async def test_a_thousand_records_are_all_written_by_close(pg_cluster: PgCluster) -> None:
    """1000 records observed in a burst are all in provider_logs once close() returns."""
    async with migrated_database(pg_cluster) as (pool, _):
        registry = Registry(pool)
        await registry.refresh()
        log = CallLog(pool, flush_interval_s=0.2, max_batch=500, registry=registry)
        log.start()

        started = time.perf_counter()
        for index in range(1000):
            log.observe(call("amadeus" if index % 2 else "kiwi", request_id=f"r{index}"))
        observe_s = time.perf_counter() - started
        await log.close()

        assert await _count(pool) == 1000
        assert log.written == 1000
        assert log.dropped == 0
        assert observe_s < 0.5
        costs = await pool.fetch("SELECT provider, sum(cost) AS cost FROM provider_logs GROUP BY 1")
        assert {row["provider"]: row["cost"] for row in costs} == {
            "amadeus": Decimal("5.0000"),
            "kiwi": Decimal("0.0000"),
        }


async def test_every_column_is_written_and_summaries_are_sanitized(pg_cluster: PgCluster) -> None:
    """A full record lands column by column; secrets and traveler data never reach the table."""
    async with migrated_database(pg_cluster) as (pool, _):
        session_id = uuid.uuid4()
        record = dataclasses.replace(
            call("kiwi", status="error", http_status=503),
            session_id=str(session_id),
            error_code="UPSTREAM_UNAVAILABLE",
            attempt=2,
            routing_score=61.257,
            is_fallback=True,
            fallback_from="duffel",
            result_count=0,
            request_summary={
                "origin": "JFK",
                "adults": 2,
                "apikey": "k-123",
                "travelers": [{"first_name": "Ada"}],
                "note": "contact ada@example.com",
            },
            response_summary={"offers": 0, "raw": {"nested": True}},
        )
        log = CallLog(pool)
        log.observe(record)
        await log.close()

        row = await pool.fetchrow("SELECT * FROM provider_logs")
        assert row["session_id"] == session_id
        assert (row["status"], row["http_status"], row["attempt"]) == ("error", 503, 2)
        assert row["routing_score"] == Decimal("61.26")
        assert (row["is_fallback"], row["fallback_from"]) == (True, "duffel")
        assert row["request_summary"] == {
            "origin": "JFK",
            "adults": 2,
            "apikey": REDACTED,
            "travelers": REDACTED,
            "note": REDACTED,
        }
        assert row["response_summary"] == {"offers": 0}


def test_payload_logging_keeps_nested_fields_still_redacted() -> None:
    """With payloads on, nested objects are kept, and credentials inside them still redacted."""
    payload = {"query": {"origin": "JFK", "Authorization": "Bearer x"}, "card": "4111111111111111"}
    assert sanitize(payload, keep_payloads=True) == {
        "query": {"origin": "JFK", "Authorization": REDACTED},
        "card": REDACTED,
    }
    assert sanitize({"ref": "offer 4111 1111 1111 1111"}) == {"ref": REDACTED}
    assert sanitize({"ref": "1234567890123"}) == {"ref": "1234567890123"}


async def test_a_row_the_table_refuses_is_dropped_alone(pg_cluster: PgCluster) -> None:
    """An unknown provider breaks the foreign key: that row is dropped, its batch written."""
    async with migrated_database(pg_cluster) as (pool, _):
        log = CallLog(pool, max_batch=100)
        for index in range(50):
            log.observe(call("nosuchsupplier" if index == 17 else "amadeus"))
        await log.close()

        assert await _count(pool) == 49
        assert (log.written, log.rejected) == (49, 1)


async def test_rows_survive_a_database_outage(pg_cluster: PgCluster) -> None:
    """While the database refuses connections rows stay queued; they land once it is back."""
    async with migrated_database(pg_cluster, max_size=2) as (pool, name):
        log = CallLog(pool, flush_interval_s=0.05, max_backoff_s=0.2)
        log.start()
        for _ in range(100):
            log.observe(call())
        await eventually(lambda: _done(log, 100))

        await _set_connections(pg_cluster, name, allowed=False)
        try:
            for _ in range(200):
                log.observe(call())
            await asyncio.sleep(0.6)
            assert log.pending == 200
            assert log.written == 100
        finally:
            await _set_connections(pg_cluster, name, allowed=True)

        await eventually(lambda: _done(log, 300))
        await log.close()
        assert await _count(pool) == 300


async def test_a_full_queue_drops_and_counts(pg_cluster: PgCluster) -> None:
    """Memory stays bounded: past max_queue records are dropped and counted, never blocking."""
    async with migrated_database(pg_cluster) as (pool, _):
        log = CallLog(pool, max_queue=10)
        for _ in range(25):
            log.observe(call())
        assert (log.pending, log.dropped) == (10, 15)
        await log.close()
        assert await _count(pool) == 10


async def test_retention_purges_old_rows_only(pg_cluster: PgCluster) -> None:
    """Rows older than the retention go (call log, health checks, job runs); newer rows
    stay."""
    async with migrated_database(pg_cluster) as (pool, _):
        now = dt.datetime.now(dt.UTC)
        log = CallLog(pool)
        for age_days in (45, 31, 29, 1):
            log.observe(call(started_at=now - dt.timedelta(days=age_days)))
        await log.close()
        await pool.execute(
            "INSERT INTO provider_health_checks (provider, checked_at, check_type, ok)"
            " VALUES ('kiwi', now() - interval '40 days', 'recovery', true),"
            " ('kiwi', now(), 'recovery', true)"
        )
        await pool.execute(
            "INSERT INTO job_runs (job, replica, started_at) VALUES"
            " ('recovery', 'r1', now() - interval '31 days'), ('recovery', 'r1', now())"
        )

        result = await purge_old_rows(pool, 30, batch=1)

        assert result.deleted == {
            "provider_logs": 2,
            "provider_health_checks": 1,
            "job_runs": 1,
        }
        assert await _count(pool) == 2


async def _done(log: CallLog, written: int) -> bool:
    return log.written == written and log.pending == 0


async def _set_connections(cluster: PgCluster, database: str, *, allowed: bool) -> None:
    conn = await asyncpg.connect(cluster.admin_dsn)
    try:
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                database,
            )
    finally:
        await conn.close()

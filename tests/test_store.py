"""The store against a real PostgreSQL: migrations, seeds, repositories, the embedded server."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from guidera_grpc.config import Settings
from guidera_grpc.store import Store, open_store
from guidera_grpc.store.embedded import start_embedded
from guidera_grpc.store.migrate import MigrationError, load_migrations, migrate
from guidera_grpc.store.pool import open_pool
from guidera_grpc.store.providers import get_provider, list_providers
from guidera_grpc.store.sessions import SearchSessionRecord, record_search_session
from tests.pg import PgCluster

_log = logging.getLogger(__name__)

TABLES = {
    "schema_migrations",
    "api_providers",
    "provider_credentials",
    "provider_capabilities",
    "routing_rules",
    "fallback_chains",
    "provider_logs",
    "provider_health_checks",
    "provider_rate_limits",
    "provider_costs",
    "system_alerts",
    "search_sessions",
    "bookings",
    "fx_rates",
}

# The appendix table: limit/min, avg ms, cost/search, cost/booking, commission %, auth.
APPENDIX = {
    "amadeus": (40, 800, "0.01", "0.50", "0", "oauth2"),
    "duffel": (100, 600, "0", "0", "1.5", "api_key"),
    "kiwi": (200, 1200, "0", "0", "3", "api_key"),
    "expedia": (500, 500, "0", "0", "20", "api_key_signature"),
    "hotelbeds": (300, 700, "0", "0", "17.5", "api_key_signature"),
    "getyourguide": (100, 400, "0", "0", "8", "oauth2"),
    "viator": (60, 800, "0", "0", "8", "api_key"),
    "cartrawler": (200, 900, "0", "0", "8", "api_key"),
}

BY_CATEGORY = {
    "flights": {"amadeus", "duffel", "kiwi"},
    "hotels": {"amadeus", "expedia", "hotelbeds"},
    "cars": {"amadeus", "expedia", "cartrawler"},
    "experiences": {"hotelbeds", "getyourguide", "viator"},
}


@pytest.fixture
async def fresh_pool(pg_cluster: PgCluster) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a database of this test's own, not migrated."""
    pool = await open_pool(await pg_cluster.create_database())
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
async def store_pool(pg_cluster: PgCluster) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a database of this module's own, migrated: no server writes to it, so the
    seeded values are read as the migrations left them."""
    pool = await open_pool(await pg_cluster.create_database())
    await migrate(pool)
    yield pool
    await pool.close()


async def test_migrations_create_every_table_and_seed(store_pool: asyncpg.Pool) -> None:
    tables = {
        row["table_name"]
        for row in await store_pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    }
    assert tables >= TABLES
    counts = {
        table: await store_pool.fetchval(f"SELECT count(*) FROM {table}")
        for table in ("api_providers", "routing_rules", "fallback_chains", "fx_rates")
    }
    assert counts == {"api_providers": 8, "routing_rules": 10, "fallback_chains": 8, "fx_rates": 7}


async def test_seeded_profiles_match_the_appendix(store_pool: asyncpg.Pool) -> None:
    profiles = {p.code: p for p in await list_providers(store_pool)}
    assert set(profiles) == set(APPENDIX)
    for code, (per_minute, avg_ms, search, booking, commission, auth) in APPENDIX.items():
        profile = profiles[code]
        assert profile.rate_limit_per_minute == per_minute, code
        assert profile.avg_latency_ms == avg_ms, code
        assert profile.cost_per_search == Decimal(search), code
        assert profile.cost_per_booking == Decimal(booking), code
        assert profile.commission_percent == Decimal(commission), code
        assert profile.auth_type == auth, code
        assert {c.category for c in profile.capabilities} == set(profile.categories), code
        assert set(profile.strong_regions) <= set(profile.coverage_regions), code
        assert profile.status == "active"
        assert profile.health_score == 100.0
        assert profile.success_rate is None
    amadeus_flights = profiles["amadeus"].capability("flights")
    assert amadeus_flights is not None
    assert amadeus_flights.level == "primary"
    assert "premium_inventory" in amadeus_flights.features


async def test_default_rules_and_fallback_chains(store_pool: asyncpg.Pool) -> None:
    rules = {
        (r["priority"], r["provider"], r["boost"]): r["conditions"]
        for r in await store_pool.fetch(
            "SELECT priority, provider, boost, conditions FROM routing_rules"
        )
    }
    assert rules[(85, "kiwi", 30)] == {"category": "flights", "route_type": "multi_city"}
    assert rules[(90, "cartrawler", 30)] == {"category": "cars"}
    chain = await store_pool.fetchval(
        "SELECT providers FROM fallback_chains WHERE category = 'flights' AND region = 'europe'"
    )
    assert chain == ["amadeus", "kiwi", "duffel"]


async def test_constraints_refuse_bad_rows(store_pool: asyncpg.Pool) -> None:
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await store_pool.execute(
            "INSERT INTO fallback_chains (category, region, providers) VALUES ('cars', 'x', $1)",
            ["cartrawler", "nobody"],
        )
    with pytest.raises(asyncpg.CheckViolationError):
        await store_pool.execute("UPDATE api_providers SET status = 'sleepy' WHERE code = 'kiwi'")


async def test_migrate_twice_is_a_no_op(fresh_pool: asyncpg.Pool) -> None:
    versions = [m.version for m in load_migrations()]
    assert await migrate(fresh_pool) == versions
    assert await migrate(fresh_pool) == []
    assert await fresh_pool.fetchval("SELECT count(*) FROM schema_migrations") == len(versions)


async def test_concurrent_migrations_apply_once(pg_cluster: PgCluster) -> None:
    dsn = await pg_cluster.create_database()
    pools = [await open_pool(dsn) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(pool) for pool in pools))
        assert sorted(results, key=len) == [[], [], [m.version for m in load_migrations()]]
        assert await pools[0].fetchval("SELECT count(*) FROM api_providers") == 8
    finally:
        await asyncio.gather(*(pool.close() for pool in pools))


async def test_an_edited_applied_migration_is_refused(fresh_pool: asyncpg.Pool) -> None:
    await migrate(fresh_pool)
    original = load_migrations()
    edited = [dataclasses.replace(original[0], sql=original[0].sql + "\n-- edited\n")]
    with pytest.raises(MigrationError, match="0001_initial changed"):
        await migrate(fresh_pool, edited + original[1:])


async def test_list_providers_by_category(store_pool: asyncpg.Pool) -> None:
    for category, expected in BY_CATEGORY.items():
        found = await list_providers(store_pool, category=category)
        assert {p.code for p in found} == expected, category
    assert await list_providers(store_pool, category="trains") == []


async def test_list_providers_enabled_only(fresh_pool: asyncpg.Pool) -> None:
    await migrate(fresh_pool)
    await fresh_pool.execute("UPDATE api_providers SET enabled = false WHERE code = 'kiwi'")
    enabled = await list_providers(fresh_pool, category="flights", enabled_only=True)
    assert {p.code for p in enabled} == {"amadeus", "duffel"}
    kiwi = await get_provider(fresh_pool, "kiwi")
    assert kiwi is not None
    assert not kiwi.enabled
    assert await get_provider(fresh_pool, "nobody") is None


async def test_record_search_session_writes_a_row(store_pool: asyncpg.Pool) -> None:
    started = datetime.now(UTC)
    params = {"origin": "LHR", "destination": "JFK", "passengers": {"adults": 2}}
    session_id = await record_search_session(
        store_pool,
        SearchSessionRecord(
            request_id=f"req-{uuid.uuid4()}",
            category="flights",
            params=params,
            status="partial",
            started_at=started,
            completed_at=started + timedelta(milliseconds=1840),
            providers_called=("amadeus", "duffel", "kiwi"),
            providers_answered=("amadeus", "kiwi"),
            result_count=42,
            first_result_ms=310,
        ),
    )
    row = await store_pool.fetchrow("SELECT * FROM search_sessions WHERE id = $1", session_id)
    assert row is not None
    assert row["params"] == params
    assert row["providers_answered"] == ["amadeus", "kiwi"]
    assert (row["result_count"], row["first_result_ms"], row["duration_ms"]) == (42, 310, 1840)
    assert row["source"] == "live"
    assert len(row["params_hash"]) == 64


async def test_open_store_on_a_database_url(pg_cluster: PgCluster) -> None:
    settings = Settings.model_validate({"database_url": await pg_cluster.create_database()})
    async with await open_store(settings) as store:
        assert store.embedded is None
        assert await store.pool.fetchval("SELECT count(*) FROM routing_rules") == 10


async def test_embedded_server_starts_migrates_and_stops() -> None:
    """The path of a service started without a database URL, then restarted on the same data."""
    state_dir = Path(tempfile.mkdtemp(prefix="guidera-test-state-", dir="/tmp"))
    data_dir = state_dir / "postgres"
    try:
        started = time.perf_counter()
        store: Store = await open_store(Settings.model_validate({"state_dir": state_dir}))
        _log.info("embedded: fresh start and migration in %.2f s", time.perf_counter() - started)
        assert store.embedded is not None
        assert store.embedded.data_dir == data_dir
        assert await store.pool.fetchval("SELECT count(*) FROM api_providers") == 8
        await store.close()
        assert not (data_dir / "postmaster.pid").exists()

        restarted = await start_embedded(data_dir)
        pool = await open_pool(restarted.uri)
        try:
            assert await migrate(pool) == []
        finally:
            await pool.close()
            await restarted.stop()
        assert not (data_dir / "postmaster.pid").exists()
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


_HOLDER = """
import asyncio, sys
from pathlib import Path
from guidera_grpc.store.embedded import start_embedded

async def main() -> None:
    await start_embedded(Path(sys.argv[1]))
    print("ready", flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


async def test_embedded_server_stops_after_a_holder_crashed() -> None:
    """A process killed while holding the server must not keep it running forever."""
    data_dir = Path(tempfile.mkdtemp(prefix="guidera-test-crash-", dir="/tmp")) / "postgres"
    pid_file = data_dir / "postmaster.pid"
    try:
        holder = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _HOLDER, str(data_dir), stdout=asyncio.subprocess.PIPE
        )
        assert holder.stdout is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"ready\n"
        holder.kill()
        await holder.wait()
        assert pid_file.exists()

        joined = await start_embedded(data_dir)
        await joined.stop()
        assert not pid_file.exists()
    finally:
        _kill_leftover_postmaster(pid_file)
        shutil.rmtree(data_dir.parent, ignore_errors=True)


def _kill_leftover_postmaster(pid_file: Path) -> None:
    """Safety net for a failed test: stop the server this test started, by its pid."""
    if pid_file.exists():
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)

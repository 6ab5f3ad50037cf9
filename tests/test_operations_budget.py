"""Costs and budgets against a real PostgreSQL: atomic per-period sums, thresholds, refusal."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from decimal import Decimal

import asyncpg
import pytest

from guidera_grpc.operations.alerts import AlertCenter
from guidera_grpc.operations.budget import Budget
from guidera_grpc.operations.costs import Spending
from guidera_grpc.operations.figures import Registry
from guidera_grpc.operations.periods import next_period_start, period_start
from guidera_grpc.resilience.seams import RequestType
from tests.ops_support import call, migrated_database
from tests.pg import PgCluster


async def _ready(pool: asyncpg.Pool) -> tuple[Registry, Spending]:
    registry = Registry(pool)
    await registry.refresh()
    return registry, Spending(pool, registry)


async def _alert_kinds(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("SELECT kind FROM system_alerts ORDER BY id")
    return [row["kind"] for row in rows]


async def test_costs_add_up_per_day_and_month_across_replicas(pg_cluster: PgCluster) -> None:
    """Two replicas' spend adds up in provider_costs; unbilled or unsent calls cost nothing."""
    async with migrated_database(pg_cluster) as (pool, _):
        await pool.execute("UPDATE api_providers SET cost_per_booking = 2 WHERE code = 'kiwi'")
        first = (await _ready(pool))[1]
        second = (await _ready(pool))[1]
        for spending in (first, second):
            for _ in range(10):
                spending.observe(call("amadeus"))
            spending.observe(call("amadeus", status="timeout", http_status=None))
            spending.observe(call("amadeus", status="error", http_status=503))
            spending.observe(call("amadeus", status="error", http_status=400))
            spending.observe(call("kiwi", request_type="book"))
            spending.observe(dataclasses.replace(call("amadeus"), sent=False))
        await asyncio.gather(first.sync(), second.sync())

        today = period_start("day", dt.datetime.now(dt.UTC))
        rows = await pool.fetch(
            "SELECT provider, period_type, period_start, searches, bookings, cost"
            " FROM provider_costs ORDER BY provider, period_type"
        )
        assert [tuple(row) for row in rows] == [
            ("amadeus", "day", today, 22, 0, Decimal("0.2200")),
            ("amadeus", "month", today.replace(day=1), 22, 0, Decimal("0.2200")),
            ("kiwi", "day", today, 0, 2, Decimal("4.0000")),
            ("kiwi", "month", today.replace(day=1), 0, 2, Decimal("4.0000")),
        ]
        await first.sync()
        assert first.spent("day") == Decimal("4.22")
        summary = await pool.fetchrow("SELECT * FROM daily_cost_summary WHERE provider = 'kiwi'")
        assert summary["day_total"] == Decimal("4.2200")


async def test_spend_counts_once_before_during_and_after_a_write(pg_cluster: PgCluster) -> None:
    """The in-memory figure never loses or doubles a call around a sync, or a failed one."""
    async with migrated_database(pg_cluster) as (pool, _):
        _, spending = await _ready(pool)
        for _ in range(5):
            spending.observe(call("amadeus"))
        assert spending.spent("day") == Decimal("0.05")
        await spending.sync()
        assert spending.spent("day") == Decimal("0.05")
        assert spending.spent("month", "amadeus") == Decimal("0.05")
        assert spending.spent("month", "kiwi") == 0

        await pool.execute("ALTER TABLE provider_costs RENAME TO provider_costs_away")
        spending.observe(call("amadeus"))
        with pytest.raises(asyncpg.UndefinedTableError):
            await spending.sync()
        await pool.execute("ALTER TABLE provider_costs_away RENAME TO provider_costs")
        assert spending.spent("day") == Decimal("0.06")
        await spending.sync()
        assert spending.spent("day") == Decimal("0.06")


async def test_budget_thresholds_warn_once_then_emergency_then_refuse(
    pg_cluster: PgCluster,
) -> None:
    """80 %: one budget_warning; 95 %: emergency; 100 %: searches refused, bookings still go."""
    async with migrated_database(pg_cluster) as (pool, _):
        registry, spending = await _ready(pool)
        alerts = AlertCenter(pool)
        alerts.start()
        budget = Budget(
            spending, registry, alerts, daily_limit=Decimal(1), monthly_limit=Decimal(1000)
        )

        async def spend(searches: int) -> None:
            for _ in range(searches):
                spending.observe(call("amadeus"))
            await spending.sync()
            budget.evaluate()
            await alerts.drain()

        await spend(79)
        assert budget.state().level == "normal"
        assert await _alert_kinds(pool) == []

        await spend(1)
        await spend(5)
        assert budget.state().level == "warning"
        assert not budget.emergency
        assert await _alert_kinds(pool) == ["budget_warning"]

        await spend(10)
        assert budget.emergency
        assert budget.refusal("amadeus", "search") is None

        await spend(5)
        state = budget.state()
        assert state.exhausted
        assert budget.refusal("kiwi", "search") == "the daily budget of 1 EUR is spent"
        later_steps: tuple[RequestType, ...] = ("price", "book", "hold", "cancel", "retrieve")
        for request_type in later_steps:
            assert budget.refusal("kiwi", request_type) is None
        now = dt.datetime.now(dt.UTC)
        assert state.retry_after_s is not None
        expected = (next_period_start("day", now) - now).total_seconds()
        assert abs(state.retry_after_s - expected) < 5

        await spend(3)
        assert await _alert_kinds(pool) == ["budget_warning", "budget_emergency", "budget_exceeded"]
        await alerts.close()


async def test_a_provider_budget_refuses_that_provider_alone(pg_cluster: PgCluster) -> None:
    """A per-provider daily budget stops searches to it; others and bookings are untouched."""
    async with migrated_database(pg_cluster) as (pool, _):
        await pool.execute("UPDATE api_providers SET daily_budget = 0.05 WHERE code = 'amadeus'")
        registry, spending = await _ready(pool)
        alerts = AlertCenter(pool)
        alerts.start()
        budget = Budget(
            spending, registry, alerts, daily_limit=Decimal(50), monthly_limit=Decimal(1000)
        )
        for _ in range(5):
            spending.observe(call("amadeus"))
        budget.evaluate()
        await alerts.drain()

        assert (
            budget.refusal("amadeus", "search") == "amadeus's daily budget of 0.0500 EUR is spent"
        )
        assert budget.refusal("duffel", "search") is None
        assert budget.refusal("amadeus", "book") is None
        assert budget.state().level == "normal"
        rows = await pool.fetch("SELECT kind, provider FROM system_alerts ORDER BY id")
        assert [tuple(r) for r in rows] == [
            ("budget_warning", "amadeus"),
            ("budget_emergency", "amadeus"),
            ("budget_exceeded", "amadeus"),
        ]
        await alerts.close()


def test_months_roll_over_at_utc_midnight() -> None:
    """Periods are UTC; December rolls into January of the next year."""
    late = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert next_period_start("month", late) == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert next_period_start("day", late) == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    local = late.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert period_start("day", local) == dt.date(2025, 12, 31)
    record = dataclasses.replace(call(), started_at=local)
    assert period_start("month", record.started_at) == dt.date(2025, 12, 1)

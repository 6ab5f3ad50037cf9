"""Migration 0003: the yardstick latency, per-provider budgets, rule timeouts, the two views."""

from __future__ import annotations

import asyncpg
import pytest

from tests.ops_support import migrated_database
from tests.pg import PgCluster


async def test_operations_columns_and_views(pg_cluster: PgCluster) -> None:
    """Expected latency starts from the profile; rule timeouts are bounded; the views read."""
    async with migrated_database(pg_cluster) as (pool, _):
        expected = await pool.fetch(
            "SELECT code, expected_latency_ms, avg_latency_ms, daily_budget FROM api_providers"
        )
        assert all(row["expected_latency_ms"] == row["avg_latency_ms"] for row in expected)
        assert all(row["daily_budget"] is None for row in expected)

        await pool.execute("UPDATE routing_rules SET timeout_ms = 5000 WHERE priority = 90")
        with pytest.raises(asyncpg.CheckViolationError):
            await pool.execute("UPDATE routing_rules SET timeout_ms = 50 WHERE priority = 90")

        health = await pool.fetch("SELECT * FROM provider_health_summary ORDER BY provider")
        assert len(health) == 8
        assert health[0]["calls_last_hour"] == 0
        assert health[0]["success_rate"] is None
        assert await pool.fetch("SELECT * FROM daily_cost_summary") == []

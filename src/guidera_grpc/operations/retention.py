"""The retention purge: call-log rows and health checks older than the retention are deleted.

Deletion goes in slices of ``batch`` rows, each its own short statement, so that a large purge
neither holds long locks nor bloats one transaction. The job runs on one replica at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import asyncpg

from guidera_grpc.operations.periods import utc_now

_log = logging.getLogger(__name__)

#: table -> its time column; the names are fixed here, never taken from input.
_TABLES = {
    "provider_logs": "started_at",
    "provider_health_checks": "checked_at",
    "job_runs": "started_at",
}


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """Rows deleted per table."""

    deleted: dict[str, int]


async def purge_old_rows(
    pool: asyncpg.Pool,
    retention_days: int,
    *,
    batch: int = 10_000,
    now: dt.datetime | None = None,
) -> PurgeResult:
    """Delete the rows older than ``retention_days`` days; return how many per table."""
    cutoff = (now or utc_now()) - dt.timedelta(days=retention_days)
    deleted: dict[str, int] = {}
    for table, column in _TABLES.items():
        deleted[table] = await _purge_table(pool, table, column, cutoff, batch)
    if any(deleted.values()):
        _log.info("old rows purged", extra={"fields": {"cutoff": cutoff.isoformat(), **deleted}})
    return PurgeResult(deleted)


async def _purge_table(
    pool: asyncpg.Pool, table: str, column: str, cutoff: dt.datetime, batch: int
) -> int:
    statement = (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE {column} < $1 LIMIT $2)"
    )
    total = 0
    while True:
        status = await pool.execute(statement, cutoff, batch)
        count = int(status.rsplit(" ", 1)[-1])
        total += count
        if count < batch:
            return total

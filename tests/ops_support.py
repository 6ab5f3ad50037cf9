"""Helpers of the operations tests: a migrated database of a test's own, call records,
polling until a condition holds."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import asyncpg

from guidera_grpc.resilience.seams import CallRecord, CallStatus, RequestType
from guidera_grpc.store.migrate import migrate
from guidera_grpc.store.pool import open_pool
from tests.pg import PgCluster


@asynccontextmanager
async def migrated_database(
    cluster: PgCluster, *, max_size: int = 4, command_timeout: float = 10.0
) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    """A pool on a new, migrated database, and the database's name."""
    dsn = await cluster.create_database()
    pool = await open_pool(dsn, max_size=max_size, command_timeout=command_timeout)
    try:
        await migrate(pool)
        yield pool, urlsplit(dsn).path.lstrip("/")
    finally:
        pool.terminate()


def call(
    provider: str = "amadeus",
    *,
    status: CallStatus = "success",
    request_type: RequestType = "search",
    duration_ms: float = 300.0,
    http_status: int | None = 200,
    started_at: dt.datetime | None = None,
    request_id: str = "req-1",
) -> CallRecord:
    """A call record with plausible defaults (``dataclasses.replace`` sets the others)."""
    return CallRecord(
        provider=provider,
        category="flights",
        request_type=request_type,
        status=status,
        started_at=started_at or dt.datetime.now(dt.UTC),
        duration_ms=duration_ms,
        http_status=http_status,
        request_id=request_id,
        endpoint="/v2/shopping/flight-offers",
    )


async def eventually(
    condition: Callable[[], Awaitable[bool]], *, timeout_s: float = 10.0, every_s: float = 0.05
) -> None:
    """Wait until ``condition`` holds; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(every_s)

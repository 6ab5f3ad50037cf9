"""Background loops of the operations layer, and the lock that makes a job run on one replica.

A :class:`Periodic` runs a coroutine function every ``interval_s`` seconds on its own task until
stopped; a failing run is logged and the loop goes on. :func:`once_across_replicas` wraps a job
in a PostgreSQL advisory lock taken without waiting: the replica that gets it runs the job, the
others skip that round. Each run is recorded in ``job_runs`` with the replica that ran it, and
a scheduled run is skipped when another replica ran the job successfully within
``min_gap_s``: every replica schedules every job, and the job must still run once a period.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import random
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

_log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[object]]
T = TypeVar("T")

#: This process, as job_runs and the change notices name it: host, pid and a random suffix
#: (two processes in one container share a host name; a restarted one may reuse a pid).
REPLICA_ID = f"{socket.gethostname()[:100]}-{os.getpid()}-{secrets.token_hex(3)}"

#: Seconds to wait for a pooled connection before giving up on a background write.
ACQUIRE_TIMEOUT_S = 10.0
#: A scheduled job is left out when another replica ran it within this share of its period
#: (less than the whole period: the replicas' loops drift apart with their jitter).
GAP_SHARE = 0.8


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for the job called ``name``."""
    digest = hashlib.sha256(f"guidera:job:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def once_across_replicas(
    pool: asyncpg.Pool, name: str, work: Work, *, min_gap_s: float = 0.0
) -> bool:
    """Run ``work`` if no other replica is running the job ``name`` (or ran it within
    ``min_gap_s``); say whether it ran."""
    ran, _ = await run_exclusively(pool, name, work, min_gap_s=min_gap_s)
    return ran


async def run_exclusively(
    pool: asyncpg.Pool,
    name: str,
    work: Callable[[], Awaitable[T]],
    *,
    min_gap_s: float = 0.0,
) -> tuple[bool, T | None]:
    """``(True, result)`` after running ``work`` under the job's advisory lock, or
    ``(False, None)`` when another replica holds it or ran it successfully within
    ``min_gap_s``. The run is recorded in ``job_runs``."""
    key = lock_key(name)
    async with pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
            _log.debug("job %s runs elsewhere; skipped", name)
            return False, None
        ok = False
        run_id: int | None = None
        try:
            if min_gap_s > 0 and await conn.fetchval(_RAN_RECENTLY, name, min_gap_s):
                _log.debug("job %s ran elsewhere within %.0f s; skipped", name, min_gap_s)
                return False, None
            run_id = await conn.fetchval(_RUN_STARTED, name, REPLICA_ID)
            result = await work()
            ok = True
            return True, result
        finally:
            if not conn.is_closed():
                # The row is closed before the lock goes, so runs never appear to overlap.
                if run_id is not None:
                    with contextlib.suppress(asyncpg.PostgresError, OSError):
                        await conn.execute(_RUN_FINISHED, run_id, ok)
                await conn.execute("SELECT pg_advisory_unlock($1)", key)


_RAN_RECENTLY = """
SELECT EXISTS (
    SELECT 1 FROM job_runs
    WHERE job = $1 AND ok AND started_at > clock_timestamp() - make_interval(secs => $2)
)
"""
_RUN_STARTED = "INSERT INTO job_runs (job, replica) VALUES ($1, $2) RETURNING id"
_RUN_FINISHED = "UPDATE job_runs SET finished_at = clock_timestamp(), ok = $2 WHERE id = $1"


class Periodic:
    """Runs ``work`` every ``interval_s`` seconds (with a little jitter) until stopped."""

    def __init__(
        self, name: str, interval_s: float, work: Work, *, first_delay_s: float | None = None
    ) -> None:
        self.name = name
        self.interval_s = interval_s
        self._work = work
        self._first_delay_s = interval_s if first_delay_s is None else first_delay_s
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start the loop on a task of its own."""
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"job:{self.name}")

    async def stop(self, grace_s: float = 10.0) -> None:
        """Let a run in progress finish (cancelled after ``grace_s``), then end the loop."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._task, grace_s)
            self._task = None

    async def run_now(self) -> None:
        """Run the work once, here, logging instead of raising on failure."""
        try:
            await self._work()
        except Exception:
            _log.exception("job %s failed", self.name)

    async def _loop(self) -> None:
        delay = self._first_delay_s
        while not await self._stopped_within(delay):
            await self.run_now()
            delay = self.interval_s * random.uniform(0.9, 1.1)

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()


class Backoff:
    """Exponential delays between retries after failures, reset by a success."""

    def __init__(self, first_s: float = 0.5, max_s: float = 30.0) -> None:
        self.first_s = first_s
        self.max_s = max_s
        self._next_s = first_s

    def failed(self) -> float:
        """The delay to wait after one more failure."""
        delay = self._next_s
        self._next_s = min(self._next_s * 2, self.max_s)
        return delay * random.uniform(0.8, 1.0)

    def succeeded(self) -> None:
        """Start again from the first delay."""
        self._next_s = self.first_s

"""The call log: every upstream attempt in ``provider_logs``, written in batches with COPY.

``observe`` only appends the record to a bounded in-memory queue, so the request path never
waits for the database. A writer task copies the queue out in batches of up to ``max_batch``
rows every ``flush_interval_s`` seconds (sooner when a batch is full). While PostgreSQL is
unreachable the rows stay queued and the writer retries with growing delays; when the queue is
full new records are dropped and counted, and that is logged once per outage. A row the table
refuses (a provider deleted meanwhile) is isolated by splitting the batch and dropped alone.
COPY sends binary rows, so the connection's jsonb codec is switched to the binary form first
(same Python values in and out; see :func:`.logrows.use_binary_jsonb`).
``close`` stops the writer and writes what is left, so a graceful stop loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence

import asyncpg

from guidera_grpc.operations.figures import ZERO, Registry
from guidera_grpc.operations.jobs import ACQUIRE_TIMEOUT_S, Backoff
from guidera_grpc.operations.logrows import COLUMNS, Row, to_row, use_binary_jsonb
from guidera_grpc.resilience.seams import CallRecord

_log = logging.getLogger(__name__)

#: Errors that no retry can cure: the rows themselves break a rule of the table.
_ROW_ERRORS = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)
COPY_TIMEOUT_S = 30.0


class CallLog:
    """Implements CallObserver: queues records and writes them to ``provider_logs``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        flush_interval_s: float = 1.0,
        max_batch: int = 500,
        max_queue: int = 100_000,
        registry: Registry | None = None,
        keep_payloads: bool = False,
        max_backoff_s: float = 30.0,
    ) -> None:
        self._pool = pool
        self.flush_interval_s = flush_interval_s
        self.max_batch = max_batch
        self.max_queue = max_queue
        self._registry = registry
        self._keep_payloads = keep_payloads
        self._queue: deque[CallRecord] = deque()
        self._wake = asyncio.Event()
        self._closing = False
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._backoff = Backoff(first_s=min(0.5, flush_interval_s), max_s=max_backoff_s)
        self._failing = False
        self._drop_warned = False
        self.written = 0
        self.dropped = 0
        self.rejected = 0

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        return len(self._queue)

    def observe(self, record: CallRecord) -> None:
        """Queue ``record`` for writing; never blocks, never raises."""
        if self._closed or len(self._queue) >= self.max_queue:
            self._drop()
            return
        self._queue.append(record)
        if len(self._queue) >= self.max_batch and not self._failing:
            self._wake.set()

    def start(self) -> None:
        """Start the writer task."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="call-log-writer")

    async def close(self, grace_s: float = 10.0) -> None:
        """Stop the writer, then write every queued record, retrying for up to ``grace_s``.

        Records observed while closing are written too; after close they are dropped.
        """
        deadline = time.monotonic() + grace_s
        self._closing = True
        self._wake.set()
        if self._task is not None:
            # On timeout the writer is cancelled, and puts its unwritten batch back first.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._task, grace_s)
            self._task = None
        while self._queue and not await self.flush():
            pause = min(self._backoff.failed(), deadline - time.monotonic())
            if pause <= 0:
                break
            await asyncio.sleep(pause)
        self._closed = True
        if self._queue:
            _log.error("call log closed with %d rows unwritten", len(self._queue))

    async def flush(self) -> bool:
        """Write everything queued now; False when the database could not take it."""
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
            try:
                await self._write(batch)
            except Exception as exc:
                self._note_failure(exc)
                return False
        self._note_success()
        return True

    async def _run(self) -> None:
        delay = self.flush_interval_s
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()
            if self._closing:
                break
            delay = self.flush_interval_s if await self.flush() else self._backoff.failed()

    async def _write(self, batch: list[CallRecord]) -> None:
        """Copy ``batch``; on a lost connection requeue what is unwritten and raise."""
        rows = [self._row(record) for record in batch]
        chunks: list[tuple[int, int]] = [(0, len(rows))]
        while chunks:
            start, end = chunks.pop()
            try:
                await self._copy(rows[start:end])
            except _ROW_ERRORS as exc:
                chunks.extend(self._split(start, end, batch, exc))
            except BaseException:
                unwritten = [(start, end), *chunks]
                for first, last in sorted(unwritten, reverse=True):
                    self._queue.extendleft(reversed(batch[first:last]))
                raise
            else:
                self.written += end - start

    def _split(
        self, start: int, end: int, batch: Sequence[CallRecord], exc: Exception
    ) -> list[tuple[int, int]]:
        if end - start == 1:
            self.rejected += 1
            _log.error(
                "call log row refused by the table and dropped",
                extra={"fields": {"provider": batch[start].provider, "error": str(exc)}},
            )
            return []
        middle = (start + end) // 2
        return [(middle, end), (start, middle)]

    async def _copy(self, rows: list[Row]) -> None:
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
            await use_binary_jsonb(conn)
            await conn.copy_records_to_table(
                "provider_logs", records=rows, columns=COLUMNS, timeout=COPY_TIMEOUT_S
            )

    def _row(self, record: CallRecord) -> Row:
        registry = self._registry
        cost = registry.cost_of(record) if registry is not None else ZERO
        fallback_known = (
            registry is None or not registry.codes() or registry.knows(record.fallback_from)
        )
        return to_row(
            record, cost, fallback_known=fallback_known, keep_payloads=self._keep_payloads
        )

    def _drop(self) -> None:
        self.dropped += 1
        if not self._drop_warned:
            self._drop_warned = True
            _log.warning(
                "call log queue full or closed: dropping records until it drains",
                extra={"fields": {"queued": len(self._queue)}},
            )

    def _note_failure(self, exc: Exception) -> None:
        if not self._failing:
            _log.warning(
                "call log cannot write; keeping rows and retrying",
                extra={"fields": {"queued": len(self._queue), "error": repr(exc)}},
            )
        self._failing = True

    def _note_success(self) -> None:
        if self._failing:
            _log.info(
                "call log writing again",
                extra={"fields": {"written": self.written, "dropped": self.dropped}},
            )
        if self._drop_warned:
            _log.warning("call log dropped records", extra={"fields": {"dropped": self.dropped}})
        self._failing = False
        self._drop_warned = False
        self._backoff.succeeded()

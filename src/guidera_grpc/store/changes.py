"""Admin changes announced to every replica through PostgreSQL's LISTEN/NOTIFY.

The replica that makes a change applies it at once and announces it with ``announce``; each
replica keeps one connection listening on the channel and hands every notice from another
replica to its handler (forget the registry cache, reload exchange rates, open or close a
circuit). A notice is only a hint to re-read what the database already holds, so one lost
while a replica was disconnected costs nothing: on reconnecting the handler is told to
re-read everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final

import asyncpg
import orjson

log = logging.getLogger(__name__)

CHANNEL: Final = "guidera_changes"
#: What a notice may say; anything else is ignored.
KINDS: Final = frozenset({"registry", "fx", "circuit", "resync"})
RECONNECT_FIRST_S: Final = 0.5
RECONNECT_MAX_S: Final = 10.0
CONNECT_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True, slots=True)
class Change:
    """One announced change: its kind, the replica that made it, and its details."""

    kind: str
    origin: str
    details: dict[str, str] = field(default_factory=dict)


ChangeHandler = Callable[[Change], Awaitable[None]]


async def announce(pool: asyncpg.Pool, origin: str, kind: str, **details: str) -> None:
    """Tell every replica (this one ignores its own notice) that ``kind`` changed."""
    payload = orjson.dumps({"kind": kind, "origin": origin, "details": details}).decode()
    await pool.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)


class ChangeListener:
    """One connection listening for change notices, reconnecting after a loss."""

    def __init__(self, dsn: str, replica_id: str, handler: ChangeHandler) -> None:
        self._dsn = dsn
        self._replica = replica_id
        self._handler = handler
        self._task: asyncio.Task[None] | None = None
        self._queue: asyncio.Queue[Change] = asyncio.Queue()
        self._listening = asyncio.Event()

    def start(self) -> None:
        """Start listening on a task of its own."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="change-listener")

    async def wait_listening(self, timeout_s: float) -> bool:
        """Whether the listener is connected within ``timeout_s``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), timeout_s)
        return self._listening.is_set()

    async def close(self) -> None:
        """Stop listening and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = RECONNECT_FIRST_S
        first = True
        while True:
            try:
                conn = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT_S)
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                log.warning(
                    "change notices: cannot connect; retrying",
                    extra={"fields": {"error": type(error).__name__, "retry_s": delay}},
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
                continue
            delay = RECONNECT_FIRST_S
            try:
                await self._serve(conn, resync=not first)
            finally:
                self._listening.clear()
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=2))
            first = False

    async def _serve(self, conn: asyncpg.Connection, *, resync: bool) -> None:
        """Listen on ``conn`` and hand over notices until the connection is lost."""
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, self._received)
        self._listening.set()
        if resync:
            # Notices sent while disconnected are gone: re-read everything instead.
            await self._deliver(Change("resync", self._replica))
        waiting = asyncio.create_task(lost.wait())
        try:
            while not lost.is_set():
                getting = asyncio.create_task(self._queue.get())
                done, _ = await asyncio.wait(
                    {getting, waiting}, return_when=asyncio.FIRST_COMPLETED
                )
                if getting in done:
                    await self._deliver(getting.result())
                else:
                    getting.cancel()
        finally:
            waiting.cancel()
        log.warning("change notices: connection lost; reconnecting")

    def _received(self, _conn: asyncpg.Connection, _pid: int, _channel: str, payload: str) -> None:
        try:
            data = orjson.loads(payload)
            change = Change(
                str(data["kind"]),
                str(data["origin"]),
                {str(k): str(v) for k, v in dict(data.get("details") or {}).items()},
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("change notices: unreadable notice ignored")
            return
        if change.origin != self._replica and change.kind in KINDS:
            self._queue.put_nowait(change)

    async def _deliver(self, change: Change) -> None:
        try:
            await self._handler(change)
        except Exception:
            log.exception("change notices: applying a %s change failed", change.kind)

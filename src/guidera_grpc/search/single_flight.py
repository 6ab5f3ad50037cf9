"""Identical searches in flight at once share one upstream fan-out.

The first search of a key starts the fan-out as a task of its own; every identical search
that arrives while it runs subscribes to it and receives every event from the start. The
fan-out stops, and its upstream calls are cancelled, when its last subscriber goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedStream(Generic[T]):
    """One running stream of events, replayed to each subscriber from its first event."""

    def __init__(
        self, source: AsyncGenerator[T, None], on_done: Callable[[], None], ends_at: float
    ) -> None:
        self.ends_at = ends_at
        self._events: list[T] = []
        self._changed = asyncio.Condition()
        self._done = False
        self._error: BaseException | None = None
        self._subscribers = 0
        self._on_done = on_done
        self._task = asyncio.create_task(self._pump(source))

    @property
    def subscribers(self) -> int:
        """How many clients read this stream now."""
        return self._subscribers

    async def _pump(self, source: AsyncGenerator[T, None]) -> None:
        try:
            async with contextlib.aclosing(source) as events:
                async for event in events:
                    async with self._changed:
                        self._events.append(event)
                        self._changed.notify_all()
        except Exception as error:
            self._error = error
        finally:
            self._on_done()
            async with self._changed:
                self._done = True
                self._changed.notify_all()

    async def subscribe(self) -> AsyncGenerator[T, None]:
        """Every event of the stream, past and future, then the source's error if any."""
        self._subscribers += 1
        position = 0
        try:
            while True:
                async with self._changed:
                    while position >= len(self._events) and not self._done:
                        await self._changed.wait()
                    fresh = self._events[position:]
                    finished = self._done
                position += len(fresh)
                for event in fresh:
                    yield event
                if finished and position >= len(self._events):
                    break
            if self._error is not None:
                raise self._error
        finally:
            self._subscribers -= 1
            if self._subscribers == 0 and not self._task.done():
                self._task.cancel()
                self._on_done()


class SingleFlight(Generic[T]):
    """Running streams by key."""

    def __init__(self) -> None:
        self._running: dict[str, SharedStream[T]] = {}

    def join(self, key: str) -> SharedStream[T] | None:
        """The stream running for ``key``, if any."""
        return self._running.get(key)

    def start(self, key: str, source: AsyncGenerator[T, None], ends_at: float) -> SharedStream[T]:
        """Start ``source`` as the shared stream of ``key``, due to end by ``ends_at``
        (a time.monotonic() instant)."""
        shared = SharedStream(source, lambda: self._forget(key, shared), ends_at)
        self._running[key] = shared
        return shared

    def _forget(self, key: str, shared: SharedStream[T]) -> None:
        if self._running.get(key) is shared:
            del self._running[key]

"""How far behind this process's event loop runs, so our own overload is not blamed on others.

A supplier call that times out while the loop was seconds late says more about this process
than about the supplier: the answer may have arrived and waited behind other work. The watch
samples the loop's lateness every few tens of milliseconds and keeps the last two minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Final

SAMPLE_EVERY_S: Final = 0.05
KEEP_S: Final = 120.0


class LoopLag:
    """Samples of (when, seconds late) of a sleep on the running loop."""

    def __init__(
        self,
        *,
        every_s: float = SAMPLE_EVERY_S,
        keep_s: float = KEEP_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._every_s = every_s
        self._keep_s = keep_s
        self._clock = clock
        self._samples: deque[tuple[float, float]] = deque()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sampling on the running loop (once)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._watch(), name="loop-lag")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def record(self, at: float, late_s: float) -> None:
        """Keep one sample, forgetting those older than the window."""
        self._samples.append((at, late_s))
        while self._samples and self._samples[0][0] < at - self._keep_s:
            self._samples.popleft()

    def worst_since(self, since: float) -> float:
        """The most the loop was late, in seconds, in samples taken at or after ``since``."""
        return max((late for at, late in self._samples if at >= since), default=0.0)

    async def _watch(self) -> None:
        while True:
            before = self._clock()
            await asyncio.sleep(self._every_s)
            now = self._clock()
            self.record(now, max(0.0, now - before - self._every_s))

"""Which provider a search calls next, under its strategy, as answers and failures arrive.

The schedule holds the selected providers in order and the spares (the fallback chain, then
the other eligible providers). It knows nothing of time or HTTP: the executor asks it what to
start at first and after each answer, and starts those calls while time remains.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from guidera_grpc.search.strategies import Strategy


@dataclass(frozen=True, slots=True)
class Launch:
    """A provider to call, and the one it replaces when it is a fallback."""

    provider: str
    fallback_from: str = ""


class Schedule:
    """The order of calls of one search."""

    def __init__(self, strategy: Strategy, selected: Sequence[str], spares: Sequence[str]) -> None:
        self._strategy = strategy
        self._satisfied: list[str] = []
        self._queue = deque(selected)
        self._spares = deque(code for code in spares if code not in selected)
        self._width = len(selected) if strategy.mode == "parallel" else 1

    def first(self) -> list[Launch]:
        """The calls to start with."""
        count = min(self._width, len(self._queue))
        return [Launch(self._queue.popleft()) for _ in range(count)]

    def after(self, provider: str, *, failed: bool, offers: int) -> list[Launch]:
        """The calls to start once ``provider`` answered (or failed) with ``offers`` offers."""
        mode = self._strategy.mode
        if mode == "waterfall" and not failed and offers >= self._strategy.min_results:
            self._satisfied.extend(self._queue)
            self._queue.clear()
            self._spares.clear()
            return []
        if mode == "parallel":
            return [Launch(self._spares.popleft(), provider)] if failed and self._spares else []
        replaced = provider if failed or mode == "waterfall" else ""
        if self._queue:
            return [Launch(self._queue.popleft(), replaced)]
        if mode == "waterfall" and self._spares:
            return [Launch(self._spares.popleft(), provider)]
        return []

    def leftovers(self) -> list[tuple[str, str]]:
        """Selected providers never called, and why: the stream reports every one."""
        done = [(code, "not needed: an earlier provider answered") for code in self._satisfied]
        return done + [(code, "too little time left to call it") for code in self._queue]

    def top_up(self, *, running: int, total_offers: int) -> list[Launch]:
        """One more spare when everything finished with fewer offers than the strategy wants."""
        if running or total_offers >= self._strategy.min_results or not self._spares:
            return []
        return [Launch(self._spares.popleft())]

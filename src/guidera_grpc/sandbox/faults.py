"""Applying a supplier's knobs to one request: wait, then maybe fail, rate-limit or hang.

Dice are per supplier and seeded by its code, so a run of sequential requests meets the same
faults every time. A hanging request waits until its client gives up (aiohttp then cancels the
handler) or the sandbox shuts down, at most ``MAX_HANG_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from guidera_grpc.sandbox.knobs import KnobBoard
from guidera_grpc.sandbox.seeds import stable_rng
from guidera_grpc.sandbox.stats import RequestRecord, Stats

MAX_HANG_S = 600.0

ErrorBody = Callable[[web.Request], web.StreamResponse]
RateLimitBody = Callable[[web.Request, int], web.StreamResponse]


class FaultBodies(Protocol):
    """The supplier's own answers for injected faults: a server error and a rate limit."""

    @property
    def server_error(self) -> ErrorBody: ...

    @property
    def rate_limited(self) -> RateLimitBody: ...


class FaultInjector:
    """Rolls each supplier's dice and applies latency, 429s, errors and hangs."""

    def __init__(self, knobs: KnobBoard, stats: Stats, closing: asyncio.Event) -> None:
        self._knobs = knobs
        self._stats = stats
        self._closing = closing
        self._dice: dict[str, random.Random] = {}

    def reseed(self) -> None:
        """Start every supplier's dice over."""
        self._dice.clear()

    async def inject(
        self, supplier: str, request: web.Request, record: RequestRecord, bodies: FaultBodies
    ) -> web.StreamResponse | None:
        """Wait as the knobs say; return a fault response, or None to let the handler answer."""
        knobs = self._knobs[supplier]
        dice = self._dice.setdefault(supplier, stable_rng("faults", supplier))
        hang, limit, fail = dice.random(), dice.random(), dice.random()
        delay = knobs.latency.sample_s(dice)
        if hang < knobs.timeout_rate:
            self._stats.faulted(record, "timeout")
            await self._hang()
            return bodies.server_error(request)
        if delay > 0:
            await asyncio.sleep(delay)
        if limit < knobs.rate_429:
            self._stats.faulted(record, "rate_429")
            return bodies.rate_limited(request, knobs.retry_after_s)
        if fail < knobs.error_rate:
            self._stats.faulted(record, "error")
            return bodies.server_error(request)
        return None

    async def _hang(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), MAX_HANG_S)

"""The state one running sandbox shares between its control endpoint and its emulators."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiohttp import web

from guidera_grpc.sandbox.faults import FaultInjector
from guidera_grpc.sandbox.knobs import KnobBoard
from guidera_grpc.sandbox.stats import Stats


@dataclass(slots=True)
class SandboxState:
    """Knobs in force, what was seen, the fault dice, and the shutdown signal."""

    knobs: KnobBoard
    stats: Stats
    faults: FaultInjector
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self) -> None:
        """Start-up knobs again, counters and log emptied, fault dice re-seeded."""
        self.knobs.reset()
        self.stats.clear()
        self.faults.reseed()


SANDBOX = web.AppKey("sandbox", SandboxState)

"""What the resilience tests share: short timings, the real Kiwi adapter against the sandbox,
an observer that keeps every record, and the count of requests the sandbox received."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.providers.kiwi import KiwiFlights
from guidera_grpc.resilience.seams import CallRecord
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.search.params import FlightSearch, SliceSpec

#: The design's policies on a test's time scale.
FAST: dict[str, object] = {
    "breaker_open_s": 0.5,
    "retry_base_s": 0.02,
    "retry_max_s": 0.1,
}

Attempt = Callable[[float], Awaitable[list[offer_pb2.Offer]]]


def fast_settings(sandbox: RunningSandbox, **overrides: object) -> Settings:
    """Settings pointing at the sandbox, with short timings and ``overrides``."""
    return Settings().with_sandbox(sandbox.url).model_copy(update={**FAST, **overrides})


def one_way(days_ahead: int = 60) -> FlightSearch:
    """A one-way JFK–LHR search."""
    day = dt.date.today() + dt.timedelta(days=days_ahead)
    return FlightSearch(slices=(SliceSpec("JFK", "LHR", day),), adults=1)


def multi_city() -> FlightSearch:
    """A search Kiwi refuses as invalid without calling."""
    day = dt.date.today() + dt.timedelta(days=40)
    legs = (("JFK", "LHR"), ("LHR", "CDG"), ("CDG", "JFK"))
    slices = tuple(SliceSpec(a, b, day + dt.timedelta(days=i)) for i, (a, b) in enumerate(legs))
    return FlightSearch(slices=slices, adults=1)


def kiwi_search(
    http: aiohttp.ClientSession, settings: Settings, search: FlightSearch | None = None
) -> Attempt:
    """One Kiwi search over real HTTP, as the guard calls it: with the time it may take."""
    provider = KiwiFlights(http, settings)
    params = search or one_way()

    async def attempt(timeout_s: float) -> list[offer_pb2.Offer]:
        return await provider.search_flights(params, timeout_s=timeout_s)

    return attempt


def received(sandbox: RunningSandbox, supplier: str = "kiwi") -> int:
    """Requests the sandbox received from ``supplier``'s clients since the last reset."""
    return sum(sandbox.stats.counters(supplier).received.values())


def in_seconds(seconds: float) -> float:
    """A deadline ``seconds`` from now."""
    return time.monotonic() + seconds


class Recorder:
    """A CallObserver that keeps every record."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    def observe(self, record: CallRecord) -> None:
        self.records.append(record)

    def statuses(self) -> list[str]:
        """The status of each record, in order."""
        return [r.status for r in self.records]

"""A small in-memory cache of what a supplier says about a city, kept for a few minutes.

Hotel adapters look up the properties of a city before pricing them (Expedia's region and
content calls, Amadeus's Hotel List). That list changes slowly, so it is kept per city code
for ``ttl_s`` seconds on the monotonic clock, and at most ``max_cities`` cities at a time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_TTL_S = 300.0
DEFAULT_MAX_CITIES = 256


class CityCache(Generic[T]):
    """Values by city code, each forgotten ``ttl_s`` seconds after it was stored."""

    def __init__(self, ttl_s: float = DEFAULT_TTL_S, max_cities: int = DEFAULT_MAX_CITIES) -> None:
        self._ttl_s = ttl_s
        self._max_cities = max_cities
        self._entries: OrderedDict[str, tuple[float, T]] = OrderedDict()

    def get(self, city: str) -> T | None:
        """The value stored for ``city`` while it is fresh, else None."""
        entry = self._entries.get(city)
        if entry is None:
            return None
        if time.monotonic() >= entry[0]:
            del self._entries[city]
            return None
        return entry[1]

    def put(self, city: str, value: T) -> None:
        """Keep ``value`` for ``city``; the oldest city goes when the cache is full."""
        if self._ttl_s <= 0:
            return
        self._entries[city] = (time.monotonic() + self._ttl_s, value)
        self._entries.move_to_end(city)
        while len(self._entries) > self._max_cities:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every city."""
        self._entries.clear()

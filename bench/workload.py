"""The searches the benchmark sends: the same ones to our server and to the baseline.

Each search is distinct (route and date), so neither the cache nor the sharing of identical
searches answers it: every one costs the upstream calls it would cost in production.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

#: Busy long-haul routes on which each supplier answers its 50 return itineraries (or nearly):
#: thinner ones (MAD-MIA, DXB-LHR) find 10-30 and would understate the work per search.
ROUTES = (
    ("JFK", "LHR"),
    ("LHR", "JFK"),
    ("CDG", "JFK"),
    ("JFK", "CDG"),
    ("LAX", "NRT"),
    ("NRT", "LAX"),
    ("SFO", "LHR"),
    ("LHR", "LAX"),
    ("LAX", "LHR"),
    ("JFK", "AMS"),
)
FIRST_DAY = 14
DAYS = 300
#: The flight suppliers and their fixed sandbox latencies: the fastest answers first.
FLIGHT_LATENCY_MS = {"duffel": 300, "amadeus": 450, "kiwi": 600}
HOTEL_LATENCY_MS = {"hotelbeds": 400}
OFFERS_PER_SUPPLIER = 50
HOTEL_CITIES = ("PAR", "LON", "ROM", "BCN", "NYC", "BER", "AMS", "LIS", "VIE", "PRG")


#: Returns of a week: one-way searches find about 15-30 itineraries a supplier on these routes,
#: returns the 50 a supplier answers, as real suppliers do for a busy return search.
STAY_NIGHTS = 7


@dataclass(frozen=True, slots=True)
class FlightSearch:
    """One return flight search for one adult in economy."""

    origin: str
    destination: str
    date: dt.date

    @property
    def return_date(self) -> dt.date:
        """The day of the flight back."""
        return self.date + dt.timedelta(days=STAY_NIGHTS)


@dataclass(frozen=True, slots=True)
class HotelSearch:
    """One stay of two nights for two adults in one room."""

    city: str
    check_in: dt.date


def flight_searches(start: int = 0) -> Iterator[FlightSearch]:
    """Distinct flight searches, forever (they repeat after 3 000)."""
    today = dt.date.today()
    for n in itertools.count(start):
        origin, destination = ROUTES[n % len(ROUTES)]
        day = FIRST_DAY + (n // len(ROUTES)) % DAYS
        yield FlightSearch(origin, destination, today + dt.timedelta(days=day))


def hotel_searches(start: int = 0) -> Iterator[HotelSearch]:
    """Distinct hotel searches, forever (they repeat after 3 000)."""
    today = dt.date.today()
    for n in itertools.count(start):
        day = FIRST_DAY + (n // len(HOTEL_CITIES)) % DAYS
        yield HotelSearch(HOTEL_CITIES[n % len(HOTEL_CITIES)], today + dt.timedelta(days=day))

"""Ways to get from one airport to another on a day: nonstop flights and one-stop connections.

Connections go through real hubs that add little distance, on one carrier or two carriers of
the same alliance (one ticket, protected). Connections between unrelated carriers at a hub are
kept too, marked as self-transfers: only a virtual-interlining seller (Kiwi.com) offers those.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from guidera_grpc.reference.airlines import Airline, marketing_airlines
from guidera_grpc.reference.airports import Airport, great_circle_km, lookup_airport
from guidera_grpc.sandbox.flights.schedule import (
    LONG_HAUL_KM,
    Flight,
    carriers_between,
    leg_flights,
)

MAX_HUBS = 6
MAX_CONNECTIONS_PER_PAIR = 3
MIN_CONNECTION = timedelta(minutes=60)
MAX_CONNECTION = timedelta(hours=6)
MAX_LONG_HAUL_CONNECTION = timedelta(hours=12)
MIN_SELF_TRANSFER = timedelta(minutes=150)
MAX_SELF_TRANSFER = timedelta(hours=10)


@dataclass(frozen=True, slots=True, eq=False)
class Itinerary:
    """The flights of one journey from origin to destination, in order.

    Two journeys are equal when their keys are, that is when they take the same flights.
    """

    flights: tuple[Flight, ...]
    self_transfer: bool
    key: str
    """Identifies the journey across suppliers by its flights."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Itinerary) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    @classmethod
    def of(cls, flights: tuple[Flight, ...], *, self_transfer: bool = False) -> Itinerary:
        """The journey made of these flights."""
        return cls(flights, self_transfer, "+".join(flight.key for flight in flights))

    @property
    def origin(self) -> Airport:
        """Where the first flight leaves from."""
        return self.flights[0].origin

    @property
    def destination(self) -> Airport:
        """Where the last flight lands."""
        return self.flights[-1].destination

    @property
    def departure(self) -> datetime:
        """Local departure of the first flight."""
        return self.flights[0].departure

    @property
    def arrival(self) -> datetime:
        """Local arrival of the last flight."""
        return self.flights[-1].arrival

    @property
    def duration(self) -> timedelta:
        """Elapsed time from first departure to last arrival, connections included."""
        return self.arrival - self.departure

    @property
    def stops(self) -> int:
        """Number of connections."""
        return len(self.flights) - 1


@dataclass(frozen=True, slots=True)
class _Pairing:
    first: str
    second: str
    self_transfer: bool


@dataclass(frozen=True, slots=True)
class _RoutePlan:
    nonstop: tuple[str, ...]
    via: tuple[tuple[str, tuple[_Pairing, ...]], ...]


@functools.lru_cache(maxsize=4096)
def itineraries(origin: str, destination: str, day: date) -> tuple[Itinerary, ...]:
    """Every nonstop and one-stop journey between two airports departing on ``day``."""
    plan = _route_plan(origin.upper(), destination.upper())
    nonstop = [
        Itinerary.of((flight,))
        for carrier in plan.nonstop
        for flight in leg_flights(carrier, origin, destination, day)
    ]
    connecting = [
        journey
        for hub, pairings in plan.via
        for pairing in pairings
        for journey in _connect(pairing, origin, hub, destination, day)
    ]
    return tuple(sorted(nonstop + connecting, key=lambda journey: journey.departure))


@functools.lru_cache(maxsize=4096)
def _route_plan(origin: str, destination: str) -> _RoutePlan:
    """Which carriers fly the route nonstop, and which pairs connect at which hubs (any day)."""
    a, b = lookup_airport(origin), lookup_airport(destination)
    if a is None or b is None or a.iata == b.iata:
        return _RoutePlan((), ())
    nonstop = tuple(airline.iata for airline in carriers_between(a, b))
    via: list[tuple[str, tuple[_Pairing, ...]]] = []
    for hub in _hubs_between(a, b, marketing_airlines()):
        pairings = _pairings(a, hub, b)
        if pairings:
            via.append((hub.iata, pairings))
        if len(via) == MAX_HUBS:
            break
    return _RoutePlan(nonstop, tuple(via))


def _hubs_between(a: Airport, b: Airport, carriers: tuple[Airline, ...]) -> list[Airport]:
    """Hub airports that add little distance to the trip, the best detour first."""
    direct = great_circle_km(a, b)
    limit = 1.3 if direct > 3000 else 1.7
    scored: dict[str, float] = {}
    for airline in carriers:
        for code in airline.hubs:
            hub = lookup_airport(code)
            if hub is None or code in (a.iata, b.iata) or code in scored:
                continue
            detour = (great_circle_km(a, hub) + great_circle_km(hub, b)) / direct
            if detour <= limit:
                scored[code] = detour
    best = sorted(scored, key=scored.__getitem__)
    return [airport for code in best if (airport := lookup_airport(code)) is not None]


def _pairings(a: Airport, hub: Airport, b: Airport) -> tuple[_Pairing, ...]:
    first, second = carriers_between(a, hub), carriers_between(hub, b)
    pairings: list[_Pairing] = []
    for one in first:
        for two in second:
            self_transfer = not one.allied_with(two)
            if not self_transfer or one.is_budget or two.is_budget:
                pairings.append(_Pairing(one.iata, two.iata, self_transfer))
    return tuple(pairings)


def _connect(
    pairing: _Pairing, origin: str, hub: str, destination: str, day: date
) -> list[Itinerary]:
    feeders = leg_flights(pairing.first, origin, hub, day)
    if not feeders:
        return []
    onward = leg_flights(pairing.second, hub, destination, day) + leg_flights(
        pairing.second, hub, destination, day + timedelta(days=1)
    )
    journeys: list[Itinerary] = []
    for feeder in feeders:
        shortest, longest = _layover_window(feeder, pairing.self_transfer)
        for flight in onward:
            layover = flight.departure_utc - feeder.arrival_utc
            if shortest <= layover <= longest:
                journeys.append(Itinerary.of((feeder, flight), self_transfer=pairing.self_transfer))
                break
        if len(journeys) >= MAX_CONNECTIONS_PER_PAIR:
            break
    return journeys


def _layover_window(feeder: Flight, self_transfer: bool) -> tuple[timedelta, timedelta]:
    if self_transfer:
        return MIN_SELF_TRANSFER, MAX_SELF_TRANSFER
    if feeder.distance_km >= LONG_HAUL_KM:
        return MIN_CONNECTION, MAX_LONG_HAUL_CONNECTION
    return MIN_CONNECTION, MAX_CONNECTION

"""Scheduled flights of one carrier on one leg and day: the building blocks of all inventory.

Everything here is a pure function of (carrier, from, to, day), never of the supplier asking, so
every emulated supplier sells the very same physical flights. Block times follow the
great-circle distance at about 800 km/h plus 30 minutes; departures are local wall-clock times
at the origin and arrivals are computed through UTC, so arrival dates and zones come out right.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from guidera_grpc.reference.airlines import AIRLINES, Airline, lookup_airline
from guidera_grpc.reference.airports import Airport, great_circle_km, lookup_airport
from guidera_grpc.sandbox.flights.aircraft import aircraft_for
from guidera_grpc.sandbox.flights.regions import region_of
from guidera_grpc.sandbox.seeds import stable_int, stable_rng, stable_unit

CRUISE_KMH = 800.0
TAXI_AND_CLIMB = timedelta(minutes=30)
LONG_HAUL_KM = 4000.0
MAX_RANGE_KM = 15500.0
MIN_LEG_KM = 150.0
BUDGET_RANGE_KM = 4000.0
REGIONAL_LEG_KM = 900.0

_NUMBERED_TERMINALS = ("1", "2", "3", "4", "5")
_LETTERED_TERMINALS = ("A", "B", "C", "D", "E", "N", "S")


@dataclass(frozen=True, slots=True, eq=False)
class Flight:
    """One scheduled flight: who sells it, who flies it, where and when (aware local times).

    Two flights are equal when their keys are: same flight number, route and departure day.
    """

    marketing: Airline
    number: int
    operating: Airline
    operating_number: int
    origin: Airport
    destination: Airport
    departure: datetime
    arrival: datetime
    aircraft: str
    distance_km: float
    origin_terminal: str | None
    destination_terminal: str | None
    key: str
    """Identifies the flight across suppliers: ``BA117:JFKLHR:20261001``."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Flight) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def duration(self) -> timedelta:
        """Elapsed time in the air and taxiing."""
        return self.arrival - self.departure

    @property
    def departure_utc(self) -> datetime:
        """The departure instant in UTC."""
        return self.departure.astimezone(UTC)

    @property
    def arrival_utc(self) -> datetime:
        """The arrival instant in UTC."""
        return self.arrival.astimezone(UTC)


@functools.cache
def _hub_airports() -> frozenset[str]:
    return frozenset(hub for airline in AIRLINES for hub in airline.hubs)


@functools.lru_cache(maxsize=65536)
def carriers_between(a: Airport, b: Airport) -> tuple[Airline, ...]:
    """The airlines flying the leg a–b, in table order."""
    candidates = _carriers_at(a.iata) | _carriers_at(b.iata) | _budget_carriers_in(region_of(a))
    return tuple(
        airline for airline in AIRLINES if airline.iata in candidates and serves(airline, a, b)
    )


@functools.lru_cache(maxsize=1024)
def _carriers_at(airport: str) -> frozenset[str]:
    return frozenset(airline.iata for airline in AIRLINES if airport in airline.hubs)


@functools.lru_cache(maxsize=16)
def _budget_carriers_in(region: str) -> frozenset[str]:
    return frozenset(
        airline.iata for airline in AIRLINES if airline.is_budget and airline.region == region
    )


def serves(airline: Airline, a: Airport, b: Airport) -> bool:
    """Whether ``airline`` flies the leg a–b (either direction) in this sandbox world."""
    if airline.tier == "regional" or a.iata == b.iata:
        return False
    distance = great_circle_km(a, b)
    if distance < MIN_LEG_KM or distance > MAX_RANGE_KM:
        return False
    pair = "".join(sorted((a.iata, b.iata)))
    chance = stable_unit("serves", airline.iata, pair)
    if airline.is_budget:
        return _budget_serves(airline, a, b, distance, chance)
    return _premium_serves(airline, a, b, chance)


def _budget_serves(
    airline: Airline, a: Airport, b: Airport, distance: float, chance: float
) -> bool:
    if distance > BUDGET_RANGE_KM:
        return False
    if region_of(a) != airline.region or region_of(b) != airline.region:
        return False
    at_base = a.iata in airline.hubs or b.iata in airline.hubs
    return chance < (0.8 if at_base else 0.2)


def _premium_serves(airline: Airline, a: Airport, b: Airport, chance: float) -> bool:
    if a.iata in airline.hubs:
        other = b
    elif b.iata in airline.hubs:
        other = a
    else:
        return False
    if other.iata in _hub_airports():
        return True
    if other.country == airline.country:
        return chance < 0.95
    if region_of(other) == airline.region:
        return chance < 0.75
    return chance < 0.3


def block_time(distance_km: float) -> timedelta:
    """Gate-to-gate time for a leg: cruise at about 800 km/h plus 30 minutes, to 5 minutes."""
    minutes = distance_km / CRUISE_KMH * 60 + TAXI_AND_CLIMB.total_seconds() / 60
    return timedelta(minutes=round(minutes / 5) * 5)


@functools.lru_cache(maxsize=65536)
def leg_flights(carrier: str, origin: str, destination: str, day: date) -> tuple[Flight, ...]:
    """The flights ``carrier`` runs from ``origin`` to ``destination`` departing on ``day``.

    Empty when the carrier does not fly that leg.
    """
    airline = lookup_airline(carrier)
    a, b = lookup_airport(origin), lookup_airport(destination)
    if airline is None or a is None or b is None or not serves(airline, a, b):
        return ()
    distance = great_circle_km(a, b)
    rng = stable_rng("departures", carrier, origin, destination, day.isoformat())
    count = _daily_frequency(airline, distance, rng.random())
    minutes = _departure_minutes(distance, count, rng)
    return tuple(
        _flight(airline, a, b, distance, day, slot, minute) for slot, minute in enumerate(minutes)
    )


def _daily_frequency(airline: Airline, distance: float, roll: float) -> int:
    if airline.is_budget:
        return 1 + int(roll * 2)
    if distance < 1200:
        return 2 + int(roll * 4)
    if distance < LONG_HAUL_KM:
        return 1 + int(roll * 3)
    return 1 + int(roll * 2)


def _departure_minutes(distance: float, count: int, rng: random.Random) -> list[int]:
    """Local departure minutes after midnight; long-haul legs always have an evening one."""
    minutes: set[int] = set()
    for slot in range(count):
        if distance >= LONG_HAUL_KM and slot == 0:
            minutes.add(rng.randrange(17 * 60, 23 * 60, 5))
        elif distance >= LONG_HAUL_KM:
            minutes.add(rng.randrange(8 * 60, 14 * 60, 5))
        else:
            minutes.add(rng.randrange(6 * 60, 22 * 60, 5))
    return sorted(minutes)


def _flight(
    airline: Airline,
    a: Airport,
    b: Airport,
    distance: float,
    day: date,
    slot: int,
    minute: int,
) -> Flight:
    departure = datetime.combine(day, time(minute // 60, minute % 60), ZoneInfo(a.tz))
    arrival = (departure.astimezone(UTC) + _block_with_jitter(airline, distance)).astimezone(
        ZoneInfo(b.tz)
    )
    number = _flight_number(airline, a, b, slot, distance)
    operating, operating_number = _operator(airline, a, b, distance, number)
    return Flight(
        marketing=airline,
        number=number,
        operating=operating,
        operating_number=operating_number,
        origin=a,
        destination=b,
        departure=departure,
        arrival=arrival,
        aircraft=aircraft_for(
            operating.iata,
            distance,
            budget=airline.is_budget,
            regional=operating.tier == "regional",
        ),
        distance_km=round(distance, 1),
        origin_terminal=terminal_at(airline, a),
        destination_terminal=terminal_at(airline, b),
        key=f"{airline.iata}{number}:{a.iata}{b.iata}:{day:%Y%m%d}",
    )


def _block_with_jitter(airline: Airline, distance: float) -> timedelta:
    jitter = stable_int("block", airline.iata, round(distance)) % 3
    return block_time(distance) + timedelta(minutes=5 * jitter)


def _flight_number(airline: Airline, a: Airport, b: Airport, slot: int, distance: float) -> int:
    seed = stable_int("number", airline.iata, a.iata, b.iata, slot)
    if airline.is_budget:
        return 1000 + seed % 9000
    if distance >= LONG_HAUL_KM:
        return 1 + seed % 999
    return 100 + seed % 2900


def _operator(
    airline: Airline, a: Airport, b: Airport, distance: float, number: int
) -> tuple[Airline, int]:
    partner = lookup_airline(airline.regional_operator) if airline.regional_operator else None
    if partner is None or distance > REGIONAL_LEG_KM:
        return airline, number
    if stable_unit("regional", airline.iata, a.iata, b.iata) >= 0.5:
        return airline, number
    return partner, 3000 + stable_int("regional-number", airline.iata, number) % 6000


@functools.lru_cache(maxsize=16384)
def terminal_at(airline: Airline, airport: Airport) -> str | None:
    """The terminal the airline uses at this airport, or None where none is published."""
    if stable_unit("terminal-known", airport.iata) < 0.25:
        return None
    names = (
        _LETTERED_TERMINALS
        if stable_unit("terminal-style", airport.iata) < 0.3
        else _NUMBERED_TERMINALS
    )
    return names[stable_int("terminal", airline.iata, airport.iata) % len(names)]

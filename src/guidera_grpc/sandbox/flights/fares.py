"""What a seat costs and includes: cabins, fares in euros, bags, booking classes and conditions.

Fares grow with distance, fall for connections and budget carriers, and multiply by cabin; a
per-flight demand factor seeded by flight and day varies them. These are the airline's own
prices, the same for every seller; sellers add their margins elsewhere.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from decimal import Decimal

from guidera_grpc.reference.airlines import Airline
from guidera_grpc.sandbox.flights.itineraries import Itinerary
from guidera_grpc.sandbox.flights.schedule import LONG_HAUL_KM, Flight
from guidera_grpc.sandbox.seeds import stable_int, stable_unit

CENT = Decimal("0.01")


class Cabin(enum.IntEnum):
    """Cabins from lowest to highest; the value orders them."""

    ECONOMY = 1
    PREMIUM_ECONOMY = 2
    BUSINESS = 3
    FIRST = 4


_CABIN_FACTOR = {
    Cabin.ECONOMY: 1.0,
    Cabin.PREMIUM_ECONOMY: 1.7,
    Cabin.BUSINESS: 3.6,
    Cabin.FIRST: 6.0,
}
_BOOKING_CLASSES = {
    Cabin.ECONOMY: "YBMHKLQTVO",
    Cabin.PREMIUM_ECONOMY: "WEP",
    Cabin.BUSINESS: "JCDIZ",
    Cabin.FIRST: "FA",
}
_WEIGHT_CONCEPT_REGIONS = frozenset({"middle_east", "asia", "africa"})


@dataclass(frozen=True, slots=True)
class CheckedBags:
    """Free checked baggage: a number of pieces, or a weight allowance in kilograms."""

    quantity: int
    weight_kg: int | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """Whether a refund or change is allowed before departure, and its fee in euros."""

    allowed: bool
    penalty_eur: Decimal | None


@dataclass(frozen=True, slots=True)
class SegmentFare:
    """How one flight of an offer is sold: cabin, booking class, fare basis, bags."""

    flight: Flight
    cabin: Cabin
    booking_class: str
    fare_basis: str
    brand: str
    checked_bags: CheckedBags
    cabin_bags: int


@functools.lru_cache(maxsize=16384)
def cabins_on(flight: Flight) -> tuple[Cabin, ...]:
    """The cabins a flight offers."""
    if flight.marketing.is_budget:
        return (Cabin.ECONOMY,)
    cabins = [Cabin.ECONOMY, Cabin.BUSINESS]
    if flight.distance_km >= 2500:
        cabins.append(Cabin.PREMIUM_ECONOMY)
    if flight.distance_km >= 5000 and stable_unit("first", flight.marketing.iata) < 0.6:
        cabins.append(Cabin.FIRST)
    return tuple(sorted(cabins))


def seat_cabin(flight: Flight, wanted: Cabin) -> Cabin:
    """The best cabin the flight offers that is no better than the one asked for."""
    return max(cabin for cabin in cabins_on(flight) if cabin <= wanted)


def sells_cabin(itinerary: Itinerary, wanted: Cabin) -> bool:
    """Whether the journey's longest flight offers the cabin asked for."""
    longest = max(itinerary.flights, key=lambda flight: flight.distance_km)
    return wanted in cabins_on(longest)


@functools.lru_cache(maxsize=16384)
def segment_fares(itinerary: Itinerary, wanted: Cabin) -> tuple[SegmentFare, ...]:
    """How each flight of the journey is sold in the cabin asked for."""
    return tuple(_segment_fare(flight, seat_cabin(flight, wanted)) for flight in itinerary.flights)


def _segment_fare(flight: Flight, cabin: Cabin) -> SegmentFare:
    letters = _BOOKING_CLASSES[cabin]
    letter = letters[stable_int("class", flight.key) % len(letters)]
    brand = _brand(flight.marketing, cabin)
    season = "H" if flight.departure.month in (6, 7, 8, 12) else "L"
    basis = (
        f"{letter}{season}{brand[:2].upper()}{flight.origin.country}{stable_int(flight.key) % 9}"
    )
    return SegmentFare(
        flight=flight,
        cabin=cabin,
        booking_class=letter,
        fare_basis=basis,
        brand=brand,
        checked_bags=_checked_bags(flight, cabin),
        cabin_bags=1,
    )


def _brand(airline: Airline, cabin: Cabin) -> str:
    if airline.is_budget:
        return "BASIC"
    return {
        Cabin.ECONOMY: "LIGHT" if stable_unit("light", airline.iata) < 0.5 else "CLASSIC",
        Cabin.PREMIUM_ECONOMY: "PREMIUM",
        Cabin.BUSINESS: "BUSINESS",
        Cabin.FIRST: "FIRST",
    }[cabin]


def _checked_bags(flight: Flight, cabin: Cabin) -> CheckedBags:
    airline = flight.marketing
    if airline.is_budget:
        return CheckedBags(0)
    if airline.region in _WEIGHT_CONCEPT_REGIONS:
        kilos = {Cabin.ECONOMY: 30, Cabin.PREMIUM_ECONOMY: 35, Cabin.BUSINESS: 40, Cabin.FIRST: 50}
        return CheckedBags(1, kilos[cabin])
    if cabin is Cabin.ECONOMY:
        free = flight.distance_km >= LONG_HAUL_KM or stable_unit("bag", airline.iata) < 0.4
        return CheckedBags(1 if free else 0)
    return CheckedBags(3 if cabin is Cabin.FIRST else 2)


@functools.lru_cache(maxsize=16384)
def adult_fare_eur(itinerary: Itinerary, fares: tuple[SegmentFare, ...]) -> Decimal:
    """The airline's base fare for one adult on this journey, in euros."""
    total = 0.0
    for fare in fares:
        flight = fare.flight
        leg = 25.0 + 0.085 * flight.distance_km
        if flight.marketing.is_budget:
            leg *= 0.55
        demand = 0.75 + 0.7 * stable_unit("demand", flight.key)
        total += leg * demand * _CABIN_FACTOR[fare.cabin]
    if itinerary.stops and not itinerary.self_transfer:
        total *= 0.82
    return Decimal(str(round(total, 2))).quantize(CENT)


def taxes_eur(base: Decimal, segments: int) -> Decimal:
    """Airport charges and taxes on a fare: a fixed part per flight and a share of the fare."""
    return (Decimal(14) * segments + base * Decimal("0.08")).quantize(CENT)


def refund_condition(fares: tuple[SegmentFare, ...]) -> Condition | None:
    """Refund before departure; None when the airline does not publish it."""
    airline, cabin = fares[0].flight.marketing, max(fare.cabin for fare in fares)
    if airline.is_budget:
        return Condition(False, None)
    if cabin >= Cabin.BUSINESS:
        return Condition(True, Decimal(0))
    if cabin is Cabin.PREMIUM_ECONOMY:
        return Condition(True, Decimal(150))
    if stable_unit("refund-published", airline.iata) < 0.2:
        return None
    return Condition(False, None)


def change_condition(fares: tuple[SegmentFare, ...]) -> Condition:
    """Change before departure."""
    airline, cabin = fares[0].flight.marketing, max(fare.cabin for fare in fares)
    if airline.is_budget:
        return Condition(True, Decimal(45))
    if cabin >= Cabin.BUSINESS:
        return Condition(True, Decimal(0))
    return Condition(True, Decimal(75))

"""Flight offers for one supplier and one search: the emulators' single entry to inventory.

A search names one or more slices (one way, round trip, multi-city), each from some airports to
others on some dates. Journeys for each slice come from the shared schedule, slices are paired
into trips, the supplier keeps its share, prices it, and the cheapest come back first.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from guidera_grpc.reference.airlines import Airline
from guidera_grpc.reference.airports import Airport
from guidera_grpc.sandbox.flights.assortment import ASSORTMENTS, Assortment
from guidera_grpc.sandbox.flights.fares import (
    Cabin,
    Condition,
    SegmentFare,
    adult_fare_eur,
    change_condition,
    refund_condition,
    segment_fares,
    sells_cabin,
    taxes_eur,
)
from guidera_grpc.sandbox.flights.itineraries import Itinerary, itineraries
from guidera_grpc.sandbox.flights.money import Currency
from guidera_grpc.sandbox.seeds import stable_int

MAX_JOURNEYS_PER_SLICE = 200
MAX_TRIPS = 300
RETURNS_PER_JOURNEY = 3
MIN_TIME_BETWEEN_SLICES = timedelta(hours=2)
CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Passengers:
    """How many travellers of each kind; infants sit on an adult's lap."""

    adults: int = 1
    children: int = 0
    infants: int = 0

    @property
    def count(self) -> int:
        """All travellers, infants included."""
        return self.adults + self.children + self.infants


@dataclass(frozen=True, slots=True)
class SliceRequest:
    """One leg of the trip: any of these origins to any of these destinations, on these days."""

    origins: tuple[Airport, ...]
    destinations: tuple[Airport, ...]
    dates: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class FlightSearch:
    """A search as every emulator understands it once its own parameters are parsed."""

    slices: tuple[SliceRequest, ...]
    passengers: Passengers = Passengers()
    cabin: Cabin = Cabin.ECONOMY
    max_stops: int | None = None
    only_carriers: frozenset[str] = frozenset()
    excluded_carriers: frozenset[str] = frozenset()
    stay_nights: tuple[int, int] | None = None
    """Nights between arriving and leaving again, for searches by length of stay."""


@dataclass(frozen=True, slots=True)
class PassengerPrice:
    """What one traveller of one kind pays: base fare and taxes."""

    base: Decimal
    taxes: Decimal

    @property
    def total(self) -> Decimal:
        """Base fare plus taxes."""
        return self.base + self.taxes

    def converted(self, currency: Currency) -> PassengerPrice:
        """The same price in ``currency``, each part rounded to its minor unit."""
        return PassengerPrice(currency.from_eur(self.base), currency.from_eur(self.taxes))


@dataclass(frozen=True, slots=True)
class Quote:
    """An offer's prices in one currency, per traveller kind and in total."""

    currency: Currency
    passengers: Passengers
    adult: PassengerPrice
    child: PassengerPrice
    infant: PassengerPrice

    def _sum(self, part: str) -> Decimal:
        counts = (
            (self.passengers.adults, self.adult),
            (self.passengers.children, self.child),
            (self.passengers.infants, self.infant),
        )
        return sum((getattr(price, part) * count for count, price in counts), Decimal(0))

    @property
    def base(self) -> Decimal:
        """Base fares of all travellers."""
        return self._sum("base")

    @property
    def taxes(self) -> Decimal:
        """Taxes of all travellers."""
        return self._sum("taxes")

    @property
    def total(self) -> Decimal:
        """What all travellers pay together."""
        return self.base + self.taxes


@dataclass(frozen=True, slots=True)
class Offer:
    """One priced trip from one supplier."""

    supplier: str
    key: str
    journeys: tuple[Itinerary, ...]
    fares: tuple[tuple[SegmentFare, ...], ...]
    passengers: Passengers
    adult: PassengerPrice
    child: PassengerPrice
    infant: PassengerPrice
    airline_adult: PassengerPrice
    seats_left: int
    refund: Condition | None
    change: Condition

    @property
    def validating_carrier(self) -> Airline:
        """The airline whose ticket this is (the first flight's marketing carrier)."""
        return self.journeys[0].flights[0].marketing

    @property
    def tickets(self) -> int:
        """How many separate bookings the trip takes (one unless parts are self-transfers)."""
        count, previous = 1, self.journeys[0].flights[0]
        for journey in self.journeys:
            for index, flight in enumerate(journey.flights):
                if flight is previous:
                    continue
                if (index and journey.self_transfer) or not flight.marketing.allied_with(
                    previous.marketing
                ):
                    count += 1
                previous = flight
        return count

    @property
    def self_transfer(self) -> bool:
        """Whether the trip is several separate bookings the traveller connects alone."""
        return self.tickets > 1

    def quote(self, currency: Currency) -> Quote:
        """Prices as the supplier shows them in ``currency``."""
        return Quote(
            currency,
            self.passengers,
            self.adult.converted(currency),
            self.child.converted(currency),
            self.infant.converted(currency),
        )

    def airline_quote(self, currency: Currency) -> Quote:
        """Prices before the supplier's margin, in ``currency``."""
        return Quote(
            currency,
            self.passengers,
            self.airline_adult.converted(currency),
            _child(self.airline_adult).converted(currency),
            _infant(self.airline_adult).converted(currency),
        )


def find_offers(supplier: str, search: FlightSearch, limit: int) -> tuple[Offer, ...]:
    """The supplier's offers for the search, cheapest first, at most ``limit`` of them."""
    return _find_offers(supplier, search, max(0, limit))


@functools.lru_cache(maxsize=512)
def _find_offers(supplier: str, search: FlightSearch, limit: int) -> tuple[Offer, ...]:
    assortment = ASSORTMENTS[supplier]
    offers = [
        _priced(assortment, trip, key, search)
        for trip, key in _trips_for(search)
        if assortment.sells(trip, key)
    ]
    offers.sort(key=lambda offer: (offer.adult.total, offer.key))
    return tuple(offers[:limit])


@functools.lru_cache(maxsize=256)
def _trips_for(search: FlightSearch) -> tuple[tuple[tuple[Itinerary, ...], str], ...]:
    """Every trip that fits the search, whoever sells it, with its key."""
    options = [_slice_options(request, search) for request in search.slices]
    return tuple(
        (trip, "|".join(journey.key for journey in trip))
        for trip in _trips(options, search.stay_nights)
    )


def _slice_options(request: SliceRequest, search: FlightSearch) -> list[Itinerary]:
    journeys = [
        journey
        for day in request.dates
        for origin in request.origins
        for destination in request.destinations
        for journey in itineraries(origin.iata, destination.iata, day)
        if _wanted(journey, search)
    ]
    journeys.sort(key=lambda journey: (journey.departure, journey.key))
    return journeys[:MAX_JOURNEYS_PER_SLICE]


def _wanted(journey: Itinerary, search: FlightSearch) -> bool:
    if search.max_stops is not None and journey.stops > search.max_stops:
        return False
    carriers = {flight.marketing.iata for flight in journey.flights}
    if search.only_carriers and not carriers <= search.only_carriers:
        return False
    if carriers & search.excluded_carriers:
        return False
    return sells_cabin(journey, search.cabin)


def _trips(
    options: list[list[Itinerary]], stay_nights: tuple[int, int] | None
) -> list[tuple[Itinerary, ...]]:
    trips: list[tuple[Itinerary, ...]] = [(journey,) for journey in options[0]]
    for following in options[1:]:
        if len(trips) * RETURNS_PER_JOURNEY > MAX_TRIPS:
            trips = sorted(trips, key=_sampling_order)
            trips = trips[: MAX_TRIPS // RETURNS_PER_JOURNEY]
        shuffled = sorted(following, key=lambda journey: stable_int("pair", journey.key))
        trips = [
            (*trip, journey)
            for trip in trips
            for journey in _onward_choices(trip, shuffled, stay_nights)
        ]
    return trips[:MAX_TRIPS]


def _sampling_order(trip: tuple[Itinerary, ...]) -> tuple[bool, int]:
    """Single-ticket trips first (every supplier can sell them), then a stable shuffle."""
    return any(journey.self_transfer for journey in trip), stable_int("trip", trip[0].key)


def _onward_choices(
    trip: tuple[Itinerary, ...],
    following: list[Itinerary],
    stay_nights: tuple[int, int] | None,
) -> list[Itinerary]:
    """A few journeys for the next slice, after the last one lands: same airline first."""
    earliest = trip[-1].arrival + MIN_TIME_BETWEEN_SLICES
    landed = trip[-1].arrival.date()
    carrier = trip[0].flights[0].marketing
    ranked: tuple[list[Itinerary], list[Itinerary], list[Itinerary]] = ([], [], [])
    start = stable_int("rotate", trip[-1].key) % len(following) if following else 0
    for journey in following[start:] + following[:start]:
        if journey.departure < earliest:
            continue
        if stay_nights and not (
            stay_nights[0] <= (journey.departure.date() - landed).days <= stay_nights[1]
        ):
            continue
        other = journey.flights[0].marketing
        if journey.self_transfer or not other.allied_with(carrier):
            ranked[2].append(journey)
        elif other.iata == carrier.iata:
            ranked[0].append(journey)
            if len(ranked[0]) == RETURNS_PER_JOURNEY:
                break
        else:
            ranked[1].append(journey)
    return (ranked[0] + ranked[1] + ranked[2])[:RETURNS_PER_JOURNEY]


def _priced(
    assortment: Assortment, trip: tuple[Itinerary, ...], key: str, search: FlightSearch
) -> Offer:
    fares = tuple(segment_fares(journey, search.cabin) for journey in trip)
    airline_base = sum(
        (adult_fare_eur(journey, fare) for journey, fare in zip(trip, fares, strict=True)),
        Decimal(0),
    )
    segments = sum(len(journey.flights) for journey in trip)
    airline_adult = PassengerPrice(airline_base, taxes_eur(airline_base, segments))
    base = (airline_base * assortment.price_factor(key)).quantize(CENT)
    adult = PassengerPrice(base, taxes_eur(base, segments))
    all_fares = tuple(fare for journey_fares in fares for fare in journey_fares)
    return Offer(
        supplier=assortment.supplier,
        key=key,
        journeys=trip,
        fares=fares,
        passengers=search.passengers,
        adult=adult,
        child=_child(adult),
        infant=_infant(adult),
        airline_adult=airline_adult,
        seats_left=1 + stable_int("seats", key) % 9,
        refund=refund_condition(all_fares),
        change=change_condition(all_fares),
    )


def _child(adult: PassengerPrice) -> PassengerPrice:
    return PassengerPrice((adult.base * Decimal("0.75")).quantize(CENT), adult.taxes)


def _infant(adult: PassengerPrice) -> PassengerPrice:
    return PassengerPrice(
        (adult.base * Decimal("0.10")).quantize(CENT),
        (adult.taxes * Decimal("0.25")).quantize(CENT),
    )

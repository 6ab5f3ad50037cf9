"""Offer requests and offers as Duffel writes them.

Amounts are decimal strings each with its currency; segment times are local wall-clock times
without an offset, with the IANA zone on the airport objects; ids carry Duffel's prefixes and
differ per request, as Duffel's do. Durations are zero-padded on slices and on some segments.
Airport and airline objects are built once and shared between answers: never mutate them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from guidera_grpc.reference.airlines import Airline
from guidera_grpc.reference.airports import Airport
from guidera_grpc.sandbox.duffel.query import DuffelSearch, PassengerIn, PlaceIn
from guidera_grpc.sandbox.flights.aircraft import AIRCRAFT
from guidera_grpc.sandbox.flights.catalog import Offer
from guidera_grpc.sandbox.flights.fares import Condition, SegmentFare
from guidera_grpc.sandbox.flights.itineraries import Itinerary
from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.seeds import stable_int
from guidera_grpc.sandbox.wire import base62, iso_duration, random_base62, utc_iso, wall_clock

OFFER_LIFETIME = timedelta(minutes=30)
_CABIN_NAMES = {
    "economy": "Economy",
    "premium_economy": "Premium Economy",
    "business": "Business",
    "first": "First",
}


def new_id(prefix: str) -> str:
    """A fresh Duffel-style id: ``off_0000A1b2...``."""
    return f"{prefix}_0000{random_base62(18)}"


@functools.lru_cache(maxsize=1024)
def stable_id(prefix: str, name: str) -> str:
    """A Duffel-style id that is always the same for the same thing (airlines, aircraft)."""
    return f"{prefix}_0000{base62(stable_int(prefix, name), 18)}"


@dataclass(frozen=True, slots=True)
class _Passenger:
    id: str
    request: PassengerIn


def offer_request(
    parsed: DuffelSearch, offers: list[Offer], currency: Currency, now: datetime
) -> dict[str, Any]:
    """The ``data`` of an offer request answer, offers included."""
    passengers = [_Passenger(new_id("pas"), p) for p in parsed.passengers]
    created = utc_iso(now, millis=False)
    return {
        "id": new_id("orq"),
        "live_mode": False,
        "created_at": created,
        "cabin_class": parsed.cabin_class,
        "client_key": random_base62(40),
        "slices": [
            {
                "origin": _place(item.origin),
                "origin_type": "city" if item.origin.is_city else "airport",
                "destination": _place(item.destination),
                "destination_type": "city" if item.destination.is_city else "airport",
                "departure_date": item.departure_date,
                "departure_time": None,
                "arrival_time": None,
            }
            for item in parsed.slices
        ],
        "passengers": [_passenger(p) for p in passengers],
        "offers": [_offer(offer, passengers, currency, now) for offer in offers],
    }


def _passenger(passenger: _Passenger) -> dict[str, Any]:
    return {
        "id": passenger.id,
        "type": passenger.request.type,
        "age": passenger.request.age,
        "given_name": passenger.request.given_name,
        "family_name": passenger.request.family_name,
        "loyalty_programme_accounts": [],
        "fare_type": None,
    }


def _offer(
    offer: Offer, passengers: list[_Passenger], currency: Currency, now: datetime
) -> dict[str, Any]:
    quote = offer.quote(currency)
    owner = offer.validating_carrier
    international = any(
        flight.origin.country != flight.destination.country
        for journey in offer.journeys
        for flight in journey.flights
    )
    stamp = utc_iso(now)
    return {
        "id": new_id("off"),
        "live_mode": False,
        "created_at": stamp,
        "updated_at": stamp,
        "expires_at": utc_iso(now + OFFER_LIFETIME),
        "total_amount": format_amount(quote.total, currency),
        "total_currency": currency.code,
        "base_amount": format_amount(quote.base, currency),
        "base_currency": currency.code,
        "tax_amount": format_amount(quote.taxes, currency),
        "tax_currency": currency.code,
        "total_emissions_kg": str(_emissions_kg(offer)),
        "owner": _airline(owner),
        "conditions": {
            "refund_before_departure": _condition(offer.refund, currency),
            "change_before_departure": _condition(offer.change, currency),
        },
        "payment_requirements": _payment_requirements(owner, offer, now),
        "passenger_identity_documents_required": international,
        "supported_passenger_identity_document_types": ["passport"] if international else [],
        "available_services": None,
        "partial": False,
        "private_fares": [],
        "supported_loyalty_programmes": [] if owner.is_budget else [owner.iata],
        "passengers": [_passenger(p) for p in passengers],
        "slices": [
            _slice(journey, fares, passengers, offer, currency)
            for journey, fares in zip(offer.journeys, offer.fares, strict=True)
        ],
    }


def _emissions_kg(offer: Offer) -> int:
    distance = sum(flight.distance_km for journey in offer.journeys for flight in journey.flights)
    return round(distance * 0.09 * (offer.passengers.adults + offer.passengers.children))


def _condition(condition: Condition | None, currency: Currency) -> dict[str, Any] | None:
    if condition is None:
        return None
    penalty = condition.penalty_eur
    return {
        "allowed": condition.allowed,
        "penalty_amount": (
            format_amount(currency.from_eur(penalty), currency) if penalty is not None else None
        ),
        "penalty_currency": currency.code if penalty is not None else None,
    }


def _payment_requirements(owner: Airline, offer: Offer, now: datetime) -> dict[str, Any]:
    if owner.is_budget:
        return {
            "requires_instant_payment": True,
            "payment_required_by": None,
            "price_guarantee_expires_at": None,
        }
    departure = offer.journeys[0].departure
    pay_by = min(now + timedelta(days=2), departure - timedelta(hours=12))
    return {
        "requires_instant_payment": False,
        "payment_required_by": utc_iso(max(pay_by, now + OFFER_LIFETIME), millis=False),
        "price_guarantee_expires_at": utc_iso(now + timedelta(days=1), millis=False),
    }


def _slice(
    journey: Itinerary,
    fares: tuple[SegmentFare, ...],
    passengers: list[_Passenger],
    offer: Offer,
    currency: Currency,
) -> dict[str, Any]:
    return {
        "id": new_id("sli"),
        "origin": _airport(journey.origin),
        "origin_type": "airport",
        "destination": _airport(journey.destination),
        "destination_type": "airport",
        "duration": iso_duration(journey.duration, padded=True),
        "fare_brand_name": fares[0].brand.title(),
        "conditions": {"change_before_departure": _condition(offer.change, currency)},
        "segments": [_segment(fare, passengers) for fare in fares],
    }


def _segment(fare: SegmentFare, passengers: list[_Passenger]) -> dict[str, Any]:
    flight = fare.flight
    cabin = fare.cabin.name.lower()
    return {
        "id": new_id("seg"),
        "origin": _airport(flight.origin),
        "destination": _airport(flight.destination),
        "origin_terminal": flight.origin_terminal,
        "destination_terminal": flight.destination_terminal,
        "departing_at": wall_clock(flight.departure),
        "arriving_at": wall_clock(flight.arrival),
        "duration": iso_duration(flight.duration, padded=flight.number % 2 == 0),
        "distance": f"{flight.distance_km:.1f}",
        "marketing_carrier": _airline(flight.marketing),
        "marketing_carrier_flight_number": str(flight.number),
        "operating_carrier": _airline(flight.operating),
        "operating_carrier_flight_number": str(flight.operating_number),
        "aircraft": {
            "id": stable_id("arc", flight.aircraft),
            "iata_code": flight.aircraft,
            "name": AIRCRAFT[flight.aircraft],
        },
        "stops": [],
        "passengers": [
            {
                "passenger_id": passenger.id,
                "cabin_class": cabin,
                "cabin_class_marketing_name": _CABIN_NAMES[cabin],
                "fare_basis_code": fare.fare_basis,
                "baggages": [
                    {"type": "checked", "quantity": fare.checked_bags.quantity},
                    {"type": "carry_on", "quantity": fare.cabin_bags},
                ],
                "cabin": {
                    "name": cabin,
                    "marketing_name": _CABIN_NAMES[cabin],
                    "amenities": None,
                },
            }
            for passenger in passengers
        ],
    }


@functools.lru_cache(maxsize=256)
def _airline(airline: Airline) -> dict[str, Any]:
    return {
        "id": stable_id("arl", airline.iata),
        "iata_code": airline.iata,
        "name": airline.name,
        "logo_symbol_url": None,
        "logo_lockup_url": None,
        "conditions_of_carriage_url": None,
    }


@functools.lru_cache(maxsize=4096)
def _airport(airport: Airport) -> dict[str, Any]:
    return {
        "type": "airport",
        "id": f"arp_{airport.iata.lower()}_{airport.country.lower()}",
        "name": airport.name,
        "iata_code": airport.iata,
        "icao_code": airport.icao or None,
        "iata_city_code": airport.city_code,
        "iata_country_code": airport.country,
        "city_name": airport.city,
        "latitude": airport.lat,
        "longitude": airport.lon,
        "time_zone": airport.tz,
        "city": _city(airport) if airport.city_code != airport.iata else None,
    }


def _city(airport: Airport) -> dict[str, Any]:
    return {
        "type": "city",
        "id": f"cit_{airport.city_code.lower()}_{airport.country.lower()}",
        "name": airport.city,
        "iata_code": airport.city_code,
        "iata_country_code": airport.country,
    }


def _place(place: PlaceIn) -> dict[str, Any]:
    if not place.is_city:
        return _airport(place.airports[0])
    first = place.airports[0]
    return {
        **_city(first),
        "airports": [_airport(airport) for airport in place.airports],
    }

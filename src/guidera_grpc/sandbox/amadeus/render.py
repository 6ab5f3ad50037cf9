"""Offers as Amadeus writes them: FlightOffer objects, dictionaries and meta.

Prices are decimal strings, ``at`` times are local wall-clock times without an offset, segment
ids are numbered within each offer, and the dictionaries name every code the offers use.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from guidera_grpc.reference.airlines import lookup_airline
from guidera_grpc.sandbox.amadeus.query import AmadeusSearch, Traveler
from guidera_grpc.sandbox.flights.aircraft import AIRCRAFT
from guidera_grpc.sandbox.flights.catalog import Offer, PassengerPrice, Quote
from guidera_grpc.sandbox.flights.fares import CheckedBags, SegmentFare
from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.flights.schedule import Flight
from guidera_grpc.sandbox.wire import iso_duration, wall_clock


def search_response(offers: list[Offer], parsed: AmadeusSearch, self_url: str) -> dict[str, Any]:
    """The whole body of a Flight Offers Search answer."""
    data = [_offer(number, offer, parsed) for number, offer in enumerate(offers, start=1)]
    return {
        "meta": {"count": len(data), "links": {"self": self_url}},
        "data": data,
        "dictionaries": _dictionaries(offers, parsed.currency),
    }


def _offer(number: int, offer: Offer, parsed: AmadeusSearch) -> dict[str, Any]:
    quote = offer.quote(parsed.currency)
    segment_ids = _segment_ids(offer)
    last_day = _last_ticketing_day(offer)
    all_fares = [fare for journey in offer.fares for fare in journey]
    return {
        "type": "flight-offer",
        "id": str(number),
        "source": "GDS",
        "instantTicketingRequired": False,
        "nonHomogeneous": False,
        "oneWay": len(offer.journeys) == 1,
        "isUpsellOffer": False,
        "lastTicketingDate": last_day.isoformat(),
        "lastTicketingDateTime": last_day.isoformat(),
        "numberOfBookableSeats": offer.seats_left,
        "itineraries": [
            {
                "duration": iso_duration(journey.duration),
                "segments": [
                    _segment(flight, segment_ids[flight.key]) for flight in journey.flights
                ],
            }
            for journey in offer.journeys
        ],
        "price": {
            "currency": quote.currency.code,
            "total": format_amount(quote.total, quote.currency),
            "base": format_amount(quote.base, quote.currency),
            "fees": [
                {"amount": "0.00", "type": "SUPPLIER"},
                {"amount": "0.00", "type": "TICKETING"},
            ],
            "grandTotal": format_amount(quote.total, quote.currency),
        },
        "pricingOptions": {
            "fareType": ["PUBLISHED"],
            "includedCheckedBagsOnly": all(fare.checked_bags.quantity for fare in all_fares),
        },
        "validatingAirlineCodes": [offer.validating_carrier.iata],
        "travelerPricings": [
            _traveler_pricing(traveler, quote, all_fares, segment_ids)
            for traveler in parsed.travelers
        ],
    }


def _segment_ids(offer: Offer) -> dict[str, str]:
    flights = [flight for journey in offer.journeys for flight in journey.flights]
    return {flight.key: str(number) for number, flight in enumerate(flights, start=1)}


def _last_ticketing_day(offer: Offer) -> date:
    departure = offer.journeys[0].departure.date()
    return max(departure - timedelta(days=3), min(departure, date.today()))


def _segment(flight: Flight, segment_id: str) -> dict[str, Any]:
    departure: dict[str, str] = {"iataCode": flight.origin.iata}
    if flight.origin_terminal:
        departure["terminal"] = flight.origin_terminal
    departure["at"] = wall_clock(flight.departure)
    arrival: dict[str, str] = {"iataCode": flight.destination.iata}
    if flight.destination_terminal:
        arrival["terminal"] = flight.destination_terminal
    arrival["at"] = wall_clock(flight.arrival)
    return {
        "departure": departure,
        "arrival": arrival,
        "carrierCode": flight.marketing.iata,
        "number": str(flight.number),
        "aircraft": {"code": flight.aircraft},
        "operating": {"carrierCode": flight.operating.iata},
        "duration": iso_duration(flight.duration),
        "id": segment_id,
        "numberOfStops": 0,
        "blacklistedInEU": False,
    }


def _traveler_pricing(
    traveler: Traveler, quote: Quote, fares: list[SegmentFare], segment_ids: dict[str, str]
) -> dict[str, Any]:
    price = _price_of(traveler.type, quote)
    pricing: dict[str, Any] = {
        "travelerId": traveler.id,
        "fareOption": "STANDARD",
        "travelerType": traveler.type,
    }
    if traveler.associated_adult_id is not None:
        pricing["associatedAdultId"] = traveler.associated_adult_id
    pricing["price"] = {
        "currency": quote.currency.code,
        "total": format_amount(price.total, quote.currency),
        "base": format_amount(price.base, quote.currency),
    }
    pricing["fareDetailsBySegment"] = [
        {
            "segmentId": segment_ids[fare.flight.key],
            "cabin": fare.cabin.name,
            "fareBasis": fare.fare_basis,
            "brandedFare": fare.brand,
            "class": fare.booking_class,
            "includedCheckedBags": _bags(fare.checked_bags),
        }
        for fare in fares
    ]
    return pricing


def _price_of(traveler_type: str, quote: Quote) -> PassengerPrice:
    if traveler_type == "CHILD":
        return quote.child
    if traveler_type == "HELD_INFANT":
        return quote.infant
    return quote.adult


def _bags(bags: CheckedBags) -> dict[str, Any]:
    if bags.weight_kg is not None:
        return {"weight": bags.weight_kg, "weightUnit": "KG"}
    return {"quantity": bags.quantity}


def _dictionaries(offers: list[Offer], currency: Currency) -> dict[str, Any]:
    flights = [
        flight for offer in offers for journey in offer.journeys for flight in journey.flights
    ]
    airports = {airport.iata: airport for f in flights for airport in (f.origin, f.destination)}
    carriers = {code for f in flights for code in (f.marketing.iata, f.operating.iata)}
    return {
        "locations": {
            code: {"cityCode": airport.city_code, "countryCode": airport.country}
            for code, airport in sorted(airports.items())
        },
        "aircraft": {
            code: AIRCRAFT[code].upper() for code in sorted({f.aircraft for f in flights})
        },
        "currencies": {currency.code: currency.name.upper()},
        "carriers": {code: _carrier_name(code) for code in sorted(carriers)},
    }


def _carrier_name(code: str) -> str:
    airline = lookup_airline(code)
    return airline.name.upper() if airline else code


def max_price_ok(offer: Offer, currency: Currency, cap: int | None) -> bool:
    """Whether every traveller's price is within Amadeus's ``maxPrice`` (per traveller)."""
    if cap is None:
        return True
    return offer.quote(currency).adult.total <= Decimal(cap)

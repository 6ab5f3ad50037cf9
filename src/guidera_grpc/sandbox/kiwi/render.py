"""Search results as Kiwi.com Tequila writes them.

Prices are JSON numbers (whole units of ``curr``, the total for all passengers); ``local_*``
times are wall-clock times that wrongly carry a ``Z`` while ``utc_*`` are true instants;
durations are seconds; route segments carry ``return`` 0 or 1; self-transfer trips are
flagged ``virtual_interlining`` with one PNR per separately ticketed part.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from guidera_grpc.reference.airports import great_circle_km
from guidera_grpc.sandbox.flights.catalog import Offer
from guidera_grpc.sandbox.flights.fares import Cabin, SegmentFare
from guidera_grpc.sandbox.flights.money import EUR, Currency
from guidera_grpc.sandbox.kiwi.countries import country_name
from guidera_grpc.sandbox.kiwi.query import KiwiSearch
from guidera_grpc.sandbox.seeds import stable_hex, stable_unit
from guidera_grpc.sandbox.wire import utc_iso, wall_clock

_CATEGORY = {Cabin.ECONOMY: "M", Cabin.PREMIUM_ECONOMY: "W", Cabin.BUSINESS: "C", Cabin.FIRST: "F"}
_HOLD_BAG_EUR = Decimal(35)


def search_response(offers: list[Offer], parsed: KiwiSearch, now: datetime) -> dict[str, Any]:
    """The whole body of a ``/v2/search`` answer."""
    items = [_item(offer, parsed, now) for offer in offers]
    items = _sorted(items, parsed.sort, parsed.ascending)[: parsed.limit]
    passengers = parsed.search.passengers
    stopovers = {
        flight.destination.iata
        for offer in offers
        for journey in offer.journeys
        for flight in journey.flights[:-1]
    }
    return {
        "search_id": str(uuid.uuid4()),
        "currency": parsed.currency.code,
        "fx_rate": float(parsed.currency.per_eur),
        "data": items,
        "_results": len(items),
        "search_params": {
            "flyFrom_type": parsed.from_type,
            "to_type": parsed.to_type,
            "seats": {
                "passengers": passengers.count,
                "adults": passengers.adults,
                "children": passengers.children,
                "infants": passengers.infants,
            },
        },
        "all_stopover_airports": sorted(stopovers),
        "all_airlines": [],
        "sort_version": 3,
    }


def _sorted(items: list[dict[str, Any]], sort: str, ascending: bool) -> list[dict[str, Any]]:
    keys = {
        "price": lambda item: item["price"],
        "duration": lambda item: item["duration"]["total"],
        "quality": lambda item: item["quality"],
        "date": lambda item: item["utc_departure"],
    }
    return sorted(items, key=keys[sort], reverse=not ascending)


def _whole(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _item(offer: Offer, parsed: KiwiSearch, now: datetime) -> dict[str, Any]:
    currency = parsed.currency
    quote = offer.quote(currency)
    each = {
        "adults": _whole(quote.adult.total),
        "children": _whole(quote.child.total),
        "infants": _whole(quote.infant.total),
    }
    people = offer.passengers
    price = each["adults"] * people.adults + each["children"] * people.children
    price += each["infants"] * people.infants
    airline_price = _whole(offer.airline_quote(currency).total)
    eur_price = _whole(offer.quote(EUR).total)
    outbound, inbound = offer.journeys[0], offer.journeys[-1]
    combination = stable_hex("combination", offer.key, length=24)
    route = _route(offer, combination, now)
    round_trip = len(offer.journeys) > 1
    duration_out = int(outbound.duration.total_seconds())
    duration_back = int(inbound.duration.total_seconds()) if round_trip else 0
    return {
        "id": "|".join(segment["id"] for segment in route),
        "flyFrom": outbound.origin.iata,
        "flyTo": outbound.destination.iata,
        "cityFrom": outbound.origin.city,
        "cityCodeFrom": outbound.origin.city_code,
        "cityTo": outbound.destination.city,
        "cityCodeTo": outbound.destination.city_code,
        "countryFrom": {
            "code": outbound.origin.country,
            "name": country_name(outbound.origin.country),
        },
        "countryTo": {
            "code": outbound.destination.country,
            "name": country_name(outbound.destination.country),
        },
        "local_departure": _fake_zulu(outbound.departure),
        "utc_departure": utc_iso(outbound.departure),
        "local_arrival": _fake_zulu(outbound.arrival),
        "utc_arrival": utc_iso(outbound.arrival),
        "nightsInDest": (inbound.departure.date() - outbound.arrival.date()).days
        if round_trip
        else None,
        "quality": round(eur_price + duration_out / 600, 3),
        "distance": round(great_circle_km(outbound.origin, outbound.destination), 2),
        "duration": {
            "departure": duration_out,
            "return": duration_back,
            "total": duration_out + duration_back,
        },
        "price": price,
        "conversion": {currency.code: price, "EUR": eur_price},
        "fare": each,
        "price_dropdown": {"base_fare": airline_price, "fees": price - airline_price},
        "bags_price": _bags_price(offer, currency),
        "baglimit": _baglimit(offer),
        "availability": {"seats": _seats(offer)},
        "airlines": sorted(
            {flight.marketing.iata for journey in offer.journeys for flight in journey.flights}
        ),
        "route": route,
        "booking_token": _booking_token(offer, now),
        "deep_link": f"https://www.kiwi.com/deep?affilid=guidera&booking_token={combination}",
        "tracking_pixel": None,
        "facilitated_booking_available": True,
        "pnr_count": offer.tickets,
        "has_airport_change": False,
        "technical_stops": 0,
        "throw_away_ticketing": False,
        "hidden_city_ticketing": False,
        "virtual_interlining": offer.self_transfer,
        "transfers": [],
        "type_flights": ["deprecated"],
        "routes": [[journey.origin.iata, journey.destination.iata] for journey in offer.journeys],
    }


def _route(offer: Offer, combination: str, now: datetime) -> list[dict[str, Any]]:
    seen = utc_iso(now)
    segments: list[dict[str, Any]] = []
    for direction, (journey, fares) in enumerate(zip(offer.journeys, offer.fares, strict=True)):
        for index, fare in enumerate(fares):
            transfer = journey.self_transfer and index < len(fares) - 1
            segments.append(_segment(fare, combination, min(direction, 1), transfer, seen))
    return segments


def _segment(
    fare: SegmentFare, combination: str, direction: int, transfer: bool, seen: str
) -> dict[str, Any]:
    flight = fare.flight
    codeshare = flight.operating.iata != flight.marketing.iata
    hide_number = codeshare and stable_unit("opno", flight.key) < 0.5
    return {
        "id": f"{stable_hex('segment', flight.key, length=24)}_{direction}",
        "combination_id": combination,
        "flyFrom": flight.origin.iata,
        "flyTo": flight.destination.iata,
        "cityFrom": flight.origin.city,
        "cityCodeFrom": flight.origin.city_code,
        "cityTo": flight.destination.city,
        "cityCodeTo": flight.destination.city_code,
        "local_departure": _fake_zulu(flight.departure),
        "utc_departure": utc_iso(flight.departure),
        "local_arrival": _fake_zulu(flight.arrival),
        "utc_arrival": utc_iso(flight.arrival),
        "airline": flight.marketing.iata,
        "flight_no": flight.number,
        "operating_carrier": flight.operating.iata,
        "operating_flight_no": "" if hide_number else str(flight.operating_number),
        "fare_basis": fare.fare_basis,
        "fare_category": _CATEGORY[fare.cabin],
        "fare_classes": fare.booking_class,
        "fare_family": "" if flight.marketing.is_budget else fare.brand.title(),
        "return": direction,
        "bags_recheck_required": transfer,
        "vi_connection": transfer,
        "guarantee": transfer,
        "equipment": flight.aircraft if stable_unit("equipment", flight.key) < 0.5 else None,
        "vehicle_type": "aircraft",
        "last_seen": seen,
        "refresh_timestamp": seen,
    }


def _fake_zulu(moment: datetime) -> str:
    return f"{wall_clock(moment)}.000Z"


def _bags_price(offer: Offer, currency: Currency) -> dict[str, float]:
    segments = sum(len(journey.flights) for journey in offer.journeys)
    one = currency.from_eur(_HOLD_BAG_EUR * segments)
    two = currency.from_eur(_HOLD_BAG_EUR * segments * Decimal("2.4"))
    return {"1": float(one), "2": float(two)}


def _baglimit(offer: Offer) -> dict[str, int]:
    budget = offer.validating_carrier.is_budget
    return {
        "hand_height": 40 if budget else 55,
        "hand_length": 20 if budget else 40,
        "hand_weight": 10 if budget else 8,
        "hand_width": 25 if budget else 23,
        "hold_dimensions_sum": 158,
        "hold_height": 52,
        "hold_length": 78,
        "hold_weight": 20 if budget else 23,
        "hold_width": 28,
        "personal_item_height": 30,
        "personal_item_length": 40,
        "personal_item_weight": 3,
        "personal_item_width": 15,
    }


def _seats(offer: Offer) -> int | None:
    return None if stable_unit("seats-hidden", offer.key) < 0.1 else offer.seats_left


def _booking_token(offer: Offer, now: datetime) -> str:
    raw = f"{offer.key}#{now.timestamp():.0f}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")

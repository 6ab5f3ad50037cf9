"""Amadeus hotel routes: Hotel List by city, then Hotel Search v3 by hotel ids.

``GET /v1/reference-data/locations/hotels/by-city`` lists the hotels Amadeus knows within a
radius of a city's centre; ``GET /v3/shopping/hotel-offers`` prices the hotels whose ids it is
given. Search v3 has no children: every guest is an adult, ``adults`` per room and
``roomQuantity`` rooms. Both need the bearer token of the flight API.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web
from multidict import MultiMapping

from guidera_grpc.sandbox.amadeus import errors
from guidera_grpc.sandbox.amadeus.auth import SUPPLIER, check_bearer
from guidera_grpc.sandbox.amadeus.hotel_render import BOARD_TYPES, hotel_offers, list_entry
from guidera_grpc.sandbox.flights.fields import count
from guidera_grpc.sandbox.flights.money import EUR, Currency, currency, local_currency
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.stays.assortment import SELLERS, Listing, find_listing, listings
from guidera_grpc.sandbox.stays.cities import find_city
from guidera_grpc.sandbox.stays.properties import distance_m
from guidera_grpc.sandbox.stays.rates import ChildRule, Stay, quote_stay
from guidera_grpc.sandbox.stays.rooms import Occupancy
from guidera_grpc.sandbox.stays.search import stay_dates
from guidera_grpc.sandbox.wire import BadParameter, json_response

HOTEL_LIST_PATH = "/v1/reference-data/locations/hotels/by-city"
HOTEL_OFFERS_PATH = "/v3/shopping/hotel-offers"
MANDATORY_DATA_MISSING = 32171
NOTHING_FOUND_FOR_CITY = 895
INVALID_PROPERTY_CODE = 1257
MAX_HOTEL_IDS = 100
CONTENT_TYPE = "application/vnd.amadeus+json"
SELLER = SELLERS[SUPPLIER]


def hotel_routes() -> list[web.RouteDef]:
    """The hotel routes, to add to the Amadeus emulator's."""
    return [
        web.get(HOTEL_LIST_PATH, hotels_by_city, allow_head=False),
        web.get(HOTEL_OFFERS_PATH, hotel_offers_search, allow_head=False),
    ]


async def hotels_by_city(request: web.Request) -> web.StreamResponse:
    """Hotels within ``radius`` (default 5 KM) of a city's centre."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    code = request.query.get("cityCode", "").strip()
    if not code:
        return _missing("cityCode")
    city = find_city(code) if len(code) == 3 and code.isalpha() else None
    if city is None:
        return errors.issue(
            400,
            NOTHING_FOUND_FOR_CITY,
            "NOTHING FOUND FOR REQUESTED CITY",
            "Nothing found for requested city",
            parameter="cityCode",
        )
    try:
        radius_km = count(request.query.get("radius"), "radius", low=1, high=300, default=5)
    except BadParameter as bad:
        return errors.invalid_format(bad.field, bad.detail)
    if request.query.get("radiusUnit", "KM").upper() == "MILE":
        radius_km = round(radius_km * 1.609344)
    limit = request.config_dict[SANDBOX].knobs[SUPPLIER].offers
    chains = set(filter(None, request.query.get("chainCodes", "").upper().split(",")))
    data = [
        list_entry(item, city)
        for item in listings(SELLER, city, limit)
        if distance_m(city.lat, city.lon, item.hotel.lat, item.hotel.lon) <= radius_km * 1000
        and (not chains or item.supplier_id[:2] in chains)
    ]
    body = {"data": data, "meta": {"count": len(data), "links": {"self": str(request.url)}}}
    return json_response(body, content_type=CONTENT_TYPE)


async def hotel_offers_search(request: web.Request) -> web.StreamResponse:
    """Offers of the hotels named in ``hotelIds`` for the stay and guests asked."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    query = request.query
    ids = [text.strip() for text in query.get("hotelIds", "").split(",") if text.strip()]
    if not ids:
        return _missing("hotelIds")
    if len(ids) > MAX_HOTEL_IDS:
        return errors.invalid_format("hotelIds", f"at most {MAX_HOTEL_IDS} hotel ids")
    found = [item for item in (find_listing(SELLER, text) for text in ids) if item]
    if not found:
        return errors.issue(
            400,
            INVALID_PROPERTY_CODE,
            "INVALID PROPERTY CODE",
            "Property code not found in system",
            parameter="hotelIds",
        )
    try:
        stay, money, adults = _stay(query)
    except BadParameter as bad:
        return errors.invalid_format(bad.field, bad.detail)

    boards = set(filter(None, query.get("boardType", "").upper().split(",")))
    best_only = query.get("bestRateOnly", "true").lower() != "false"
    include_closed = query.get("includeClosed", "false").lower() == "true"
    data = []
    for item in found:
        quotes = [
            quote
            for quote in quote_stay(item, stay, money or _local(item), ChildRule.EXTRA_PERSON_FEE)
            if not boards or BOARD_TYPES[quote.plan.board] in boards
        ]
        if best_only and quotes:
            quotes = [min(quotes, key=lambda quote: quote.total)]
        if quotes or include_closed:
            data.append(hotel_offers(item, quotes, adults, str(request.url)))
    return json_response({"data": data}, content_type=CONTENT_TYPE)


def _stay(query: MultiMapping[str]) -> tuple[Stay, Currency | None, int]:
    today = dt.datetime.now(dt.UTC).date()
    check_in, check_out = stay_dates(
        query.get("checkInDate") or today.isoformat(),
        query.get("checkOutDate") or (today + dt.timedelta(days=1)).isoformat(),
        "checkInDate",
        "checkOutDate",
    )
    adults = count(query.get("adults"), "adults", low=1, high=9, default=1)
    rooms = count(query.get("roomQuantity"), "roomQuantity", low=1, high=9, default=1)
    code = query.get("currency")
    money = currency(code) if code else None
    if code and money is None:
        raise BadParameter("currency", f"{code} is not a supported currency")
    return Stay(check_in, check_out, (Occupancy(adults),) * rooms), money, adults


def _local(item: Listing) -> Currency:
    return local_currency(item.hotel.city.country) or EUR


def _missing(parameter: str) -> web.Response:
    return errors.issue(
        400,
        MANDATORY_DATA_MISSING,
        "MANDATORY DATA MISSING",
        f"Missing mandatory query parameter {parameter}",
        parameter=parameter,
    )

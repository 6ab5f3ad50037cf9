"""``GET /v3/regions``: the regions an IATA code belongs to, with their property ids.

A city (or metro area) code gives the city region, typed ``multi_city_vicinity`` for metro
areas and ``city`` otherwise, plus one ``airport`` region per airport. Property ids come with
``include=property_ids``; coordinates and the full name with ``include=details``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from guidera_grpc.reference.airports import Airport, is_city_code, resolve_city
from guidera_grpc.sandbox.expedia import params
from guidera_grpc.sandbox.expedia.auth import check_signature
from guidera_grpc.sandbox.seeds import stable_int
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.stays.assortment import SELLERS, listings
from guidera_grpc.sandbox.stays.cities import City, find_city
from guidera_grpc.sandbox.wire import json_response

SUPPLIER = "expedia"
INCLUDES = frozenset({"standard", "details", "property_ids", "property_ids_expanded"})


async def regions(request: web.Request) -> web.StreamResponse:
    """Regions matching ``iata_location_code`` (the only search this emulator serves)."""
    denied = check_signature(request)
    if denied is not None:
        return denied
    query = request.query
    try:
        params.language(query)
        include = set(params.repeated(query, "include", 1, 4))
        if not include <= INCLUDES or {"standard", "details"} <= include:
            raise params.Invalid(
                "include", "invalid", "include has an unknown value or both standard and details."
            )
        code = params.one(query, "iata_location_code")
    except params.Invalid as bad:
        return bad.response()

    city = find_city(code) if code.isalpha() and code.isupper() and len(code) == 3 else None
    if city is None:
        return json_response([])
    limit = request.config_dict[SANDBOX].knobs[SUPPLIER].offers
    ids = [found.supplier_id for found in listings(SELLERS[SUPPLIER], city, limit)]
    found = [_city_region(city, include, ids)]
    found += [_airport_region(airport, city, include) for airport in resolve_city(city.code)]
    wanted = set(query.getall("type", []))
    return json_response([region for region in found if not wanted or region["type"] in wanted])


def _city_region(city: City, include: set[str], ids: list[str]) -> dict[str, Any]:
    metro = is_city_code(city.code)
    region: dict[str, Any] = {
        "id": str(stable_int("region", city.code) % 10**6 + 178000),
        "type": "multi_city_vicinity" if metro else "city",
        "name": city.name,
        "name_full": f"{city.name}, {city.country}",
        "country_code": city.country,
    }
    if metro:
        region["descriptor"] = "vicinity"
        region["iata_airport_metro_code"] = city.code
    if "details" in include:
        region["coordinates"] = {"center_latitude": city.lat, "center_longitude": city.lon}
    if include & {"property_ids", "property_ids_expanded"}:
        region["property_ids"] = ids
    return region


def _airport_region(airport: Airport, city: City, include: set[str]) -> dict[str, Any]:
    region: dict[str, Any] = {
        "id": str(stable_int("region", airport.iata) % 10**7 + 6000000),
        "type": "airport",
        "name": f"{city.name} ({airport.iata}-{airport.name})",
        "name_full": f"{airport.name}, {city.name}, {city.country}",
        "iata_airport_code": airport.iata,
        "country_code": city.country,
    }
    if is_city_code(city.code):
        region["iata_airport_metro_code"] = city.code
    if "details" in include:
        region["coordinates"] = {"center_latitude": airport.lat, "center_longitude": airport.lon}
    if include & {"property_ids", "property_ids_expanded"}:
        region["property_ids"] = []
    return region

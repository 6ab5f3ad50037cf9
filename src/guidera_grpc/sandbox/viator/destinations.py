"""Viator destinations: numeric ids for every city and country, and the taxonomy answer.

Viator filters products by its own destination ids, which partners map from their places with
the destinations list (``GET /v1/taxonomy/destinations``, a V1-style answer with ``data``).
Famous cities keep the ids Viator uses (Paris 479, Rome 511 ...); every other city of the
reference data gets a stable id of its own, and each country one below 1000. A city's
``iataCode`` is its IATA city code (``ROM``, ``LON``), or its airport's code where the city
has one airport.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import airportsdata
import orjson

from guidera_grpc.sandbox.activities.cities import City, city_of
from guidera_grpc.sandbox.flights.money import local_currency
from guidera_grpc.sandbox.kiwi.countries import country_name
from guidera_grpc.sandbox.wire import now_utc

_KNOWN_IDS = MappingProxyType(
    {"PAR": 479, "ROM": 511, "LON": 737, "NYC": 687, "BCN": 562, "LAS": 684, "AMS": 525}
)
FIRST_CITY_ID = 20_000
FIRST_COUNTRY_ID = 100


@dataclass(frozen=True, slots=True)
class Destinations:
    """Every destination both ways: city code to id, id to city, and the countries' ids."""

    ids: MappingProxyType[str, int]
    cities: MappingProxyType[int, City]
    countries: MappingProxyType[str, int]


@functools.cache
def destinations() -> Destinations:
    """The destinations, built once from the reference data."""
    cities: dict[str, City] = {}
    for code in sorted(airportsdata.load("IATA")):
        city = city_of(code)
        if city is not None:
            cities.setdefault(city.code, city)
    ids: dict[str, int] = {}
    next_id = FIRST_CITY_ID
    for code in sorted(cities):
        if code in _KNOWN_IDS:
            ids[code] = _KNOWN_IDS[code]
        else:
            ids[code], next_id = next_id, next_id + 1
    countries = {
        country: FIRST_COUNTRY_ID + n
        for n, country in enumerate(sorted({city.country for city in cities.values()}))
    }
    return Destinations(
        ids=MappingProxyType(ids),
        cities=MappingProxyType({ids[code]: city for code, city in cities.items()}),
        countries=MappingProxyType(countries),
    )


def destination_id(city: City) -> int:
    """The Viator id of a city."""
    return destinations().ids[city.code]


def city_of_destination(ref: str) -> City | None:
    """The city a destination id names; None for a country or an unknown id."""
    text = ref.strip()
    return destinations().cities.get(int(text)) if text.isdigit() else None


@functools.cache
def taxonomy_body() -> bytes:
    """The encoded ``/v1/taxonomy/destinations`` answer (the same all day long)."""
    table = destinations()
    data: list[dict[str, Any]] = []
    countries_done: set[str] = set()
    for order, (city_id, city) in enumerate(sorted(table.cities.items()), start=1):
        country_id = table.countries[city.country]
        if city.country not in countries_done:
            countries_done.add(city.country)
            data.append(_country(city, country_id))
        data.append(_city(city, city_id, country_id, order))
    body: dict[str, Any] = {
        "errorReference": None,
        "data": data,
        "dateStamp": now_utc().strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "errorType": None,
        "errorCodes": [],
        "errorMessage": [],
        "errorName": None,
        "extraInfo": {},
        "extraObject": None,
        "success": True,
        "totalCount": len(data),
        "errorMessageText": None,
        "vmid": "331004",
    }
    return orjson.dumps(body)


def _city(city: City, city_id: int, country_id: int, order: int) -> dict[str, Any]:
    money = local_currency(city.country)
    return {
        "sortOrder": order,
        "selectable": True,
        "destinationUrlName": city.name.replace(" ", "-"),
        "defaultCurrencyCode": money.code if money else "USD",
        "lookupId": f"{country_id}.{city_id}",
        "parentId": country_id,
        "timeZone": city.tz,
        "iataCode": city.code,
        "destinationId": city_id,
        "destinationType": "CITY",
        "destinationName": city.name,
        "latitude": city.lat,
        "longitude": city.lon,
    }


def _country(city: City, country_id: int) -> dict[str, Any]:
    money = local_currency(city.country)
    return {
        "sortOrder": 0,
        "selectable": True,
        "destinationUrlName": country_name(city.country).replace(" ", "-"),
        "defaultCurrencyCode": money.code if money else "USD",
        "lookupId": str(country_id),
        "parentId": None,
        "timeZone": city.tz,
        "iataCode": None,
        "destinationId": country_id,
        "destinationType": "COUNTRY",
        "destinationName": country_name(city.country),
        "latitude": None,
        "longitude": None,
    }

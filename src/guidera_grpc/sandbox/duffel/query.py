"""Reading a Duffel offer request: query flags and the ``{"data": {...}}`` body.

Fields are named by JSON pointer from ``data`` (``/slices/0/origin``), as Duffel's validation
errors name them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from multidict import MultiMapping

from guidera_grpc.reference.airports import Airport, is_city_code, lookup_airport
from guidera_grpc.sandbox.flights import fields
from guidera_grpc.sandbox.flights.catalog import FlightSearch, SliceRequest
from guidera_grpc.sandbox.flights.fares import Cabin
from guidera_grpc.sandbox.wire import BadParameter

CABINS = {cabin.name.lower(): cabin for cabin in Cabin}
PASSENGER_TYPES = ("adult", "child", "infant_without_seat")


class MissingField(BadParameter):
    """A required body field is absent."""


@dataclass(frozen=True, slots=True)
class PassengerIn:
    """A passenger as requested; the response gives each an id."""

    type: str
    age: int | None
    given_name: str | None
    family_name: str | None


@dataclass(frozen=True, slots=True)
class PlaceIn:
    """A slice end as requested: the code, whether it names a city, and its airports."""

    code: str
    is_city: bool
    airports: tuple[Airport, ...]


@dataclass(frozen=True, slots=True)
class SliceIn:
    """One requested slice."""

    origin: PlaceIn
    destination: PlaceIn
    departure_date: str


@dataclass(frozen=True, slots=True)
class DuffelSearch:
    """A parsed offer request."""

    search: FlightSearch
    slices: tuple[SliceIn, ...]
    passengers: tuple[PassengerIn, ...]
    cabin_class: str
    max_connections: int
    return_offers: bool


def from_request(query: MultiMapping[str], body: Any) -> DuffelSearch:
    """The offer request in ``body`` with the flags of the query string."""
    return_offers = _flag(query.get("return_offers"), "return_offers", default=True)
    _supplier_timeout(query.get("supplier_timeout"))
    if not isinstance(body, Mapping) or not isinstance(body.get("data"), Mapping):
        raise MissingField("/data", "the body must be an object with a data object")
    data: Mapping[str, Any] = body["data"]
    slices = _slices(data.get("slices"))
    passengers = _passengers(data.get("passengers"))
    cabin_class = data.get("cabin_class") or "economy"
    if cabin_class not in CABINS:
        raise BadParameter("/cabin_class", f"cabin_class must be one of {', '.join(CABINS)}")
    max_connections = data.get("max_connections", 1)
    if not isinstance(max_connections, int) or not 0 <= max_connections <= 2:
        raise BadParameter("/max_connections", "max_connections must be 0, 1 or 2")
    adults = sum(p.type == "adult" for p in passengers)
    children = sum(p.type == "child" for p in passengers)
    infants = sum(p.type == "infant_without_seat" for p in passengers)
    search = FlightSearch(
        slices=tuple(
            SliceRequest(
                item.origin.airports,
                item.destination.airports,
                (fields.day(item.departure_date, f"/slices/{index}/departure_date"),),
            )
            for index, item in enumerate(slices)
        ),
        passengers=fields.travellers(adults, children, infants, "/passengers"),
        cabin=CABINS[cabin_class],
        max_stops=max_connections,
    )
    return DuffelSearch(search, slices, passengers, cabin_class, max_connections, return_offers)


def _flag(value: str | None, name: str, *, default: bool) -> bool:
    if value is None or value == "":
        return default
    if value.lower() not in ("true", "false"):
        raise BadParameter(name, f"{name} must be true or false")
    return value.lower() == "true"


def _supplier_timeout(value: str | None) -> None:
    if value is not None:
        fields.count(value, "supplier_timeout", low=2000, high=60000, default=20000)


def _slices(value: object) -> tuple[SliceIn, ...]:
    if value is None:
        raise MissingField("/slices", "slices is required")
    if not isinstance(value, list) or not value:
        raise BadParameter("/slices", "slices must be a non-empty list")
    slices: list[SliceIn] = []
    for index, item in enumerate(value):
        pointer = f"/slices/{index}"
        if not isinstance(item, Mapping):
            raise BadParameter(pointer, "each slice must be an object")
        departure = item.get("departure_date")
        if not isinstance(departure, str):
            raise MissingField(f"{pointer}/departure_date", "departure_date is required")
        fields.day(departure, f"{pointer}/departure_date")
        slices.append(
            SliceIn(
                _place(item.get("origin"), f"{pointer}/origin"),
                _place(item.get("destination"), f"{pointer}/destination"),
                departure,
            )
        )
    return tuple(slices)


def _place(value: object, pointer: str) -> PlaceIn:
    if not isinstance(value, str) or not value.strip():
        raise MissingField(pointer, f"{pointer.rsplit('/', 1)[-1]} is required")
    code = value.strip().upper()
    airports = fields.places(code, pointer)
    is_city = is_city_code(code) and lookup_airport(code) is None
    return PlaceIn(code, is_city, airports)


def _passengers(value: object) -> tuple[PassengerIn, ...]:
    if value is None:
        raise MissingField("/passengers", "passengers is required")
    if not isinstance(value, list) or not value:
        raise BadParameter("/passengers", "passengers must be a non-empty list")
    return tuple(_passenger(item, f"/passengers/{index}") for index, item in enumerate(value))


def _passenger(item: object, pointer: str) -> PassengerIn:
    if not isinstance(item, Mapping):
        raise BadParameter(pointer, "each passenger must be an object")
    kind, age = item.get("type"), item.get("age")
    if age is not None and (not isinstance(age, int) or isinstance(age, bool) or age < 0):
        raise BadParameter(f"{pointer}/age", "age must be a whole number of years")
    if kind is None:
        if age is None:
            raise MissingField(f"{pointer}/type", "give either type or age")
        kind = "infant_without_seat" if age < 2 else "child" if age < 18 else "adult"
    if kind not in PASSENGER_TYPES:
        raise BadParameter(f"{pointer}/type", f"type must be one of {', '.join(PASSENGER_TYPES)}")
    given, family = item.get("given_name"), item.get("family_name")
    return PassengerIn(
        kind,
        age,
        given if isinstance(given, str) else None,
        family if isinstance(family, str) else None,
    )

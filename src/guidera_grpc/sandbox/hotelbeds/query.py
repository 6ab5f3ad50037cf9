"""Reading a Hotelbeds availability request: the stay, the occupancies and one selector.

The selector is exactly one of ``destination{code}``, ``hotels{hotel[]}`` and
``geolocation{latitude, longitude, radius, unit}``. Occupancies say how many identical rooms,
adults and children each room holds, with every child's age in ``paxes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guidera_grpc.sandbox.stays.cities import City, find_city
from guidera_grpc.sandbox.stays.rooms import Occupancy
from guidera_grpc.sandbox.stays.search import nearest_city, stay_dates
from guidera_grpc.sandbox.wire import BadParameter

MAX_ROOMS = 9
MAX_GUESTS_PER_ROOM = 8
MAX_RADIUS_KM = 200.0


class BadShape(BadParameter):
    """A request whose structure is wrong (``INVALID_REQUEST``) rather than a value."""


@dataclass(frozen=True, slots=True)
class OccupancyGroup:
    """``rooms`` identical rooms, each for ``occupancy``."""

    rooms: int
    occupancy: Occupancy


@dataclass(frozen=True, slots=True)
class Area:
    """A circle around a point."""

    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True, slots=True)
class HotelsRequest:
    """An availability request, read."""

    check_in: dt.date
    check_out: dt.date
    groups: tuple[OccupancyGroup, ...]
    city: City | None
    hotel_codes: tuple[str, ...]
    area: Area | None
    max_hotels: int | None


def read_request(body: object) -> HotelsRequest:
    """The request in ``body``; ``BadShape`` or ``BadParameter`` when it is not valid."""
    if not isinstance(body, Mapping):
        raise BadShape("body", "the request body must be a JSON object")
    stay = _object(body, "stay")
    check_in = _text(stay, "checkIn", "stay.checkIn")
    check_out = _text(stay, "checkOut", "stay.checkOut")
    first, last = stay_dates(check_in, check_out, "stay.checkIn", "stay.checkOut")
    groups = _groups(body.get("occupancies"))
    city, codes, area = _selector(body)
    return HotelsRequest(first, last, groups, city, codes, area, _max_hotels(body))


def _object(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    if not isinstance(value, Mapping):
        raise BadShape(key, f"the parameter {key} is mandatory")
    return value


def _text(obj: Mapping[str, Any], key: str, field: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadShape(field, f"the parameter {field} is mandatory")
    return value


def _whole(obj: Mapping[str, Any], key: str, field: str, low: int, high: int) -> int:
    value = obj.get(key)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadShape(field, f"the parameter {field} must be a whole number")
    if not low <= value <= high:
        raise BadParameter(field, f"{field} must be between {low} and {high}")
    return value


def _groups(value: object) -> tuple[OccupancyGroup, ...]:
    if not isinstance(value, list) or not value:
        raise BadShape("occupancies", "the parameter occupancies is mandatory")
    groups = []
    for number, item in enumerate(value):
        field = f"occupancies[{number}]"
        if not isinstance(item, Mapping):
            raise BadShape(field, "each occupancy must be an object")
        rooms = _whole(item, "rooms", f"{field}.rooms", 1, MAX_ROOMS)
        adults = _whole(item, "adults", f"{field}.adults", 1, MAX_GUESTS_PER_ROOM)
        children = _whole(item, "children", f"{field}.children", 0, MAX_GUESTS_PER_ROOM)
        ages = _child_ages(item.get("paxes"), field)
        if len(ages) != children:
            raise BadParameter(
                f"{field}.paxes", f"{children} children need {children} paxes of type CH with age"
            )
        groups.append(OccupancyGroup(rooms, Occupancy(adults, ages)))
    if sum(group.rooms for group in groups) > MAX_ROOMS:
        raise BadParameter("occupancies", f"at most {MAX_ROOMS} rooms per request")
    return tuple(groups)


def _child_ages(value: object, field: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadShape(f"{field}.paxes", "paxes must be an array")
    ages = []
    for number, pax in enumerate(value):
        if not isinstance(pax, Mapping) or pax.get("type") not in ("AD", "CH"):
            raise BadShape(f"{field}.paxes[{number}]", "a pax needs a type AD or CH")
        if pax["type"] == "CH":
            ages.append(_whole(pax, "age", f"{field}.paxes[{number}].age", 0, 17))
    return tuple(ages)


def _selector(body: Mapping[str, Any]) -> tuple[City | None, tuple[str, ...], Area | None]:
    chosen = [key for key in ("destination", "hotels", "geolocation") if key in body]
    if len(chosen) != 1:
        raise BadShape(
            "destination", "exactly one of destination, hotels or geolocation is required"
        )
    if chosen[0] == "destination":
        code = _text(_object(body, "destination"), "code", "destination.code").strip().upper()
        city = find_city(code) if len(code) == 3 and code.isalpha() else None
        if city is None:
            raise BadParameter("destination.code", f"destination {code} does not exist")
        return city, (), None
    if chosen[0] == "hotels":
        codes = _object(body, "hotels").get("hotel")
        if not isinstance(codes, list) or not codes:
            raise BadShape("hotels.hotel", "the parameter hotels.hotel is mandatory")
        return None, tuple(str(code) for code in codes), None
    return _area(_object(body, "geolocation"))


def _area(geo: Mapping[str, Any]) -> tuple[City | None, tuple[str, ...], Area]:
    try:
        lat, lon = float(geo["latitude"]), float(geo["longitude"])
        radius = float(geo["radius"])
    except (KeyError, TypeError, ValueError):
        raise BadShape(
            "geolocation", "geolocation needs numeric latitude, longitude and radius"
        ) from None
    unit = str(geo.get("unit", "km")).lower()
    if unit not in ("km", "mi"):
        raise BadParameter("geolocation.unit", "the unit must be km or mi")
    radius_km = radius * (1.609344 if unit == "mi" else 1.0)
    if not 0 < radius_km <= MAX_RADIUS_KM or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadParameter("geolocation", "the coordinates or the radius are out of range")
    return nearest_city(lat, lon), (), Area(lat, lon, radius_km * 1000)


def _max_hotels(body: Mapping[str, Any]) -> int | None:
    filters = body.get("filter")
    if not isinstance(filters, Mapping) or "maxHotels" not in filters:
        return None
    return _whole(filters, "maxHotels", "filter.maxHotels", 1, 2000)

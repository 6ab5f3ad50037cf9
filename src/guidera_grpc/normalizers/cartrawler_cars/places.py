"""Pick-up and drop-off places: a vendor's desks, completed from reference data.

An airport desk is the airport's ``Place`` (reference data first, the vendor's words to fill
gaps) with the desk's own coordinates and address when given; a downtown desk is what the
vendor says, with the city's code and time zone from reference data. An answer without desk
details falls back to the codes that were searched.
"""

from __future__ import annotations

from guidera.v1 import common_pb2

from guidera_grpc.normalizers.cartrawler_cars.ota import attr, flag, ota_items, text_of
from guidera_grpc.normalizers.common import Json, PlaceHints, airport_place, field_map
from guidera_grpc.reference.airports import lookup_airport, resolve_city

Places = tuple[common_pb2.Place, common_pb2.Place]


def places_of(info: Json, pick_up_code: str, return_code: str) -> Places:
    """Pick-up and drop-off from a vendor's ``Info``, else from the codes searched."""
    desks = ota_items(info.get("LocationDetails"), "LocationDetails")
    pick_up = desk_place(desks[0], pick_up_code) if desks else code_place(pick_up_code)
    if len(desks) > 1:
        return pick_up, desk_place(desks[1], return_code)
    if return_code == pick_up_code:
        return pick_up, pick_up
    return pick_up, code_place(return_code)


def desk_place(desk: Json, searched: str) -> common_pb2.Place:
    """The place of one ``LocationDetails``."""
    code = (attr(desk, "ExtendedLocationCode") or searched).upper()
    address = field_map(desk, "Address")
    position = field_map(desk, "Position")
    hints = PlaceHints(
        name=attr(desk, "Name"),
        city_name=text_of(address.get("CityName")),
        country_code=attr(field_map(address, "CountryName"), "Code"),
        latitude=_coordinate(position, "Latitude"),
        longitude=_coordinate(position, "Longitude"),
    )
    if flag(desk, "AtAirport") is not False and lookup_airport(code) is not None:
        place = common_pb2.Place()
        place.CopyFrom(airport_place(code, hints))
    else:
        place = _city_place(code, hints)
    if hints.latitude is not None and hints.longitude is not None:
        place.latitude, place.longitude = hints.latitude, hints.longitude
        place.has_coordinates = True
    place.address_lines.extend(_texts(address.get("AddressLine")))
    place.postal_code = text_of(address.get("PostalCode"))
    return place


def code_place(code: str) -> common_pb2.Place:
    """The place behind a searched airport or city code."""
    if lookup_airport(code) is not None:
        place = common_pb2.Place()
        place.CopyFrom(airport_place(code))
        return place
    return _city_place(code, PlaceHints())


def _city_place(code: str, hints: PlaceHints) -> common_pb2.Place:
    airports = resolve_city(code) if len(code) == 3 else ()
    city = airports[0] if airports else None
    return common_pb2.Place(
        iata_code=code if city else "",
        name=hints.name,
        city_name=hints.city_name or (city.city if city else ""),
        city_code=city.city_code if city else "",
        country_code=(hints.country_code or (city.country if city else "")).upper(),
        time_zone=city.tz if city else "",
    )


def _coordinate(position: Json, name: str) -> float | None:
    try:
        return float(attr(position, name))
    except ValueError:
        return None


def _texts(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [text for text in map(text_of, values) if text]

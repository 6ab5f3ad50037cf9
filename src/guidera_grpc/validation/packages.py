"""Turns a package SearchRequest into a PackageSearch: its parts validated as their own
categories, with every violation named as the package's field the client wrote."""

from __future__ import annotations

import re

from guidera.v1 import search_service_pb2

from guidera_grpc.search.params import PackageSearch
from guidera_grpc.validation.cars import validate_car_search
from guidera_grpc.validation.common import Violations
from guidera_grpc.validation.flights import validate_flight_search
from guidera_grpc.validation.stays import validate_hotel_search

#: Where a part's field comes from in the package: (pattern, replacement), first match wins.
_FIELD_MAP = [
    (r"^flights\.slices\[0\]\.origin", "package.origin"),
    (r"^flights\.slices\[\d\]\.destination|^flights\.slices\[1\]\.origin", "package.destination"),
    (r"^flights\.slices\[0\]\.departure_date", "package.departure_date"),
    (r"^flights\.slices\[1\]\.departure_date", "package.return_date"),
    (r"^flights\.", "package."),
    (r"^hotels\.city_code", "package.destination"),
    (r"^hotels\.check_in_date", "package.departure_date"),
    (r"^hotels\.check_out_date", "package.return_date"),
    (r"^hotels\.", "package."),
    (r"^cars\.(pick_up|drop_off)_location", "package.destination"),
    (r"^cars\.pick_up_local_time", "package.departure_date"),
    (r"^cars\.drop_off_local_time", "package.return_date"),
    (r"^cars\.", "package."),
]
CAR_PICK_UP_TIME = "12:00"
CAR_DROP_OFF_TIME = "10:00"


def validate_package_search(
    query: search_service_pb2.PackageQuery, currency: str, errors: Violations
) -> PackageSearch | None:
    """Check a package query; violations go to ``errors`` with paths under ``package.``."""
    parts = Violations()
    flight = validate_flight_search(_flight_query(query), currency, parts)
    hotel = validate_hotel_search(_hotel_query(query), currency, parts)
    car = validate_car_search(_car_query(query), currency, parts) if query.include_car else None
    if not query.return_date:
        parts.add("package.return_date", "is required (YYYY-MM-DD): a package is a round trip")
    seen: set[str] = set()
    for violation in parts.items:
        field = _package_field(violation.field)
        if field not in seen:
            seen.add(field)
            errors.add(field, violation.description)
    if parts.items or flight is None or hotel is None or (query.include_car and car is None):
        return None
    return PackageSearch(flight, hotel, car)


def _flight_query(query: search_service_pb2.PackageQuery) -> search_service_pb2.FlightQuery:
    slices = [
        search_service_pb2.SliceQuery(
            origin=query.origin, destination=query.destination, departure_date=query.departure_date
        ),
        search_service_pb2.SliceQuery(
            origin=query.destination, destination=query.origin, departure_date=query.return_date
        ),
    ]
    return search_service_pb2.FlightQuery(
        slices=slices, travelers=query.travelers, cabin=query.cabin
    )


def _hotel_query(query: search_service_pb2.PackageQuery) -> search_service_pb2.HotelQuery:
    rooms = list(query.rooms) or [
        search_service_pb2.RoomOccupancy(
            adults=max(query.travelers.adults, 1), child_ages=list(query.travelers.child_ages)
        )
    ]
    return search_service_pb2.HotelQuery(
        city_code=query.destination,
        check_in_date=query.departure_date,
        check_out_date=query.return_date,
        rooms=rooms,
    )


def _car_query(query: search_service_pb2.PackageQuery) -> search_service_pb2.CarQuery:
    return search_service_pb2.CarQuery(
        pick_up_location=query.destination,
        pick_up_local_time=f"{query.departure_date}T{CAR_PICK_UP_TIME}",
        drop_off_local_time=f"{query.return_date}T{CAR_DROP_OFF_TIME}",
    )


def _package_field(field: str) -> str:
    for pattern, replacement in _FIELD_MAP:
        renamed, count = re.subn(pattern, replacement, field)
        if count:
            return renamed
    return field

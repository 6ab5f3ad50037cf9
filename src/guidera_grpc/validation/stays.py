"""Turns a hotel SearchRequest into a HotelSearch, naming every bad field."""

from __future__ import annotations

import datetime as dt

from guidera.v1 import search_service_pb2

from guidera_grpc.search.params import HotelSearch, RoomSpec
from guidera_grpc.validation.common import Violations, parse_date
from guidera_grpc.validation.places import check_place, today_at

MAX_NIGHTS = 30
MAX_ROOMS = 8
MAX_GUESTS_PER_ROOM = 8
MAX_DAYS_AHEAD = 365
MAX_CHILD_AGE = 17


def validate_hotel_search(
    query: search_service_pb2.HotelQuery, currency: str, errors: Violations
) -> HotelSearch | None:
    """Check a hotel query; violations go to ``errors`` with paths under ``hotels.``."""
    city = check_place(query.city_code, "hotels.city_code", errors)
    check_in, check_out = _check_dates(query, city, errors)
    rooms = _check_rooms(query, errors)
    if errors.items or not (city and check_in and check_out and rooms):
        return None
    return HotelSearch(city, check_in, check_out, rooms, currency)


def _check_dates(
    query: search_service_pb2.HotelQuery, city: str | None, errors: Violations
) -> tuple[dt.date | None, dt.date | None]:
    check_in = parse_date(query.check_in_date, "hotels.check_in_date", errors)
    check_out = parse_date(query.check_out_date, "hotels.check_out_date", errors)
    today = today_at(city)
    if check_in and check_in < today:
        errors.add("hotels.check_in_date", f"{check_in} is in the past (today is {today})")
    elif check_in and check_in > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors.add("hotels.check_in_date", f"more than {MAX_DAYS_AHEAD} days ahead")
    if check_in and check_out:
        nights = (check_out - check_in).days
        if nights < 1:
            errors.add("hotels.check_out_date", "must be after the check-in date")
        elif nights > MAX_NIGHTS:
            errors.add("hotels.check_out_date", f"stays are at most {MAX_NIGHTS} nights")
    return check_in, check_out


def _check_rooms(
    query: search_service_pb2.HotelQuery, errors: Violations
) -> tuple[RoomSpec, ...] | None:
    if not query.rooms:
        errors.add("hotels.rooms", "at least one room is required")
        return None
    if len(query.rooms) > MAX_ROOMS:
        errors.add("hotels.rooms", f"at most {MAX_ROOMS} rooms per search")
        return None
    rooms: list[RoomSpec] = []
    for index, room in enumerate(query.rooms):
        path = f"hotels.rooms[{index}]"
        if room.adults < 1:
            errors.add(f"{path}.adults", "each room needs at least one adult")
        for child, age in enumerate(room.child_ages):
            if not 0 <= age <= MAX_CHILD_AGE:
                errors.add(f"{path}.child_ages[{child}]", f"{age} is not a child's age (0 to 17)")
        if room.adults + len(room.child_ages) > MAX_GUESTS_PER_ROOM:
            errors.add(path, f"at most {MAX_GUESTS_PER_ROOM} guests per room")
        rooms.append(RoomSpec(room.adults, tuple(room.child_ages)))
    return tuple(rooms)

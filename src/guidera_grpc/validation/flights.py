"""Turns a flight SearchRequest into a FlightSearch, naming every bad field."""

from __future__ import annotations

import datetime as dt

from guidera.v1 import common_pb2, search_service_pb2

from guidera_grpc.search.params import FlightSearch, SliceSpec
from guidera_grpc.validation.common import Violations, parse_date
from guidera_grpc.validation.places import check_place, same_city, today_at

MAX_SLICES = 6
MAX_SEATED_TRAVELERS = 9
MAX_DAYS_AHEAD = 361
MAX_CONNECTIONS = 3


def validate_flight_search(
    query: search_service_pb2.FlightQuery, currency: str, errors: Violations
) -> FlightSearch | None:
    """Check a flight query; violations go to ``errors`` with paths under ``flights.``."""
    slices = _check_slices(query, errors)
    adults, child_ages, infants = _check_travelers(query.travelers, errors)
    cabin = _check_cabin(query.cabin, errors)
    max_connections = _check_connections(query, errors)
    if errors.items or slices is None:
        return None
    return FlightSearch(
        slices=slices,
        adults=adults,
        child_ages=child_ages,
        infants=infants,
        cabin=cabin,
        max_connections=max_connections,
        currency=currency,
    )


def _check_slices(
    query: search_service_pb2.FlightQuery, errors: Violations
) -> tuple[SliceSpec, ...] | None:
    if not query.slices:
        errors.add("flights.slices", "at least one slice (origin, destination, date) is required")
        return None
    if len(query.slices) > MAX_SLICES:
        errors.add("flights.slices", f"at most {MAX_SLICES} slices are supported")
        return None
    specs: list[SliceSpec] = []
    previous: dt.date | None = None
    for index, item in enumerate(query.slices):
        path = f"flights.slices[{index}]"
        origin = check_place(item.origin, f"{path}.origin", errors)
        destination = check_place(item.destination, f"{path}.destination", errors)
        if origin and destination and same_city(origin, destination):
            errors.add(f"{path}.destination", "must be another city than the origin")
        day = _check_departure(item.departure_date, origin, f"{path}.departure_date", errors)
        if day and previous and day < previous:
            errors.add(
                f"{path}.departure_date",
                f"{day.isoformat()} is before the previous slice's date {previous.isoformat()}",
            )
        previous = day or previous
        if origin and destination and day:
            specs.append(SliceSpec(origin, destination, day))
    return tuple(specs) if len(specs) == len(query.slices) else None


def _check_departure(
    value: str, origin: str | None, field: str, errors: Violations
) -> dt.date | None:
    day = parse_date(value, field, errors)
    if day is None:
        return None
    today = today_at(origin)
    if day < today:
        errors.add(field, f"{value} is in the past (today is {today.isoformat()} at the origin)")
        return None
    if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors.add(field, f"{value} is more than {MAX_DAYS_AHEAD} days ahead")
        return None
    return day


def _check_travelers(
    travelers: common_pb2.Travelers, errors: Violations
) -> tuple[int, tuple[int, ...], int]:
    adults, children, infants = travelers.adults, tuple(travelers.child_ages), travelers.infants
    if adults < 1:
        errors.add("flights.travelers.adults", "at least one adult is required")
    if infants < 0:
        errors.add("flights.travelers.infants", "cannot be negative")
    elif infants > max(adults, 0):
        errors.add("flights.travelers.infants", "each infant must travel with an adult")
    for index, age in enumerate(children):
        if not 2 <= age <= 11:
            errors.add(
                f"flights.travelers.child_ages[{index}]",
                f"{age} is not a child's age (2 to 11; infants under 2 go in infants)",
            )
    if adults + len(children) + max(infants, 0) > MAX_SEATED_TRAVELERS:
        errors.add(
            "flights.travelers",
            f"at most {MAX_SEATED_TRAVELERS} travelers per search, infants included",
        )
    return adults, children, infants


def _check_cabin(
    cabin: common_pb2.Cabin.ValueType, errors: Violations
) -> common_pb2.Cabin.ValueType:
    if cabin == common_pb2.CABIN_UNSPECIFIED:
        return common_pb2.CABIN_ECONOMY
    if cabin not in common_pb2.Cabin.values():
        errors.add("flights.cabin", f"{cabin} is not a known cabin")
    return cabin


def _check_connections(query: search_service_pb2.FlightQuery, errors: Violations) -> int | None:
    if not query.HasField("max_connections") or query.max_connections < 0:
        return None
    if query.max_connections > MAX_CONNECTIONS:
        errors.add("flights.max_connections", f"at most {MAX_CONNECTIONS}")
    return min(query.max_connections, MAX_CONNECTIONS)

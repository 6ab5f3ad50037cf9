"""Checks of places against reference data, and "today" where a trip starts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from guidera_grpc.reference.airports import Airport, lookup_airport, resolve_city
from guidera_grpc.validation.common import Violations, looks_like_code, normalize_code


def check_place(value: str, field: str, errors: Violations) -> str | None:
    """An IATA airport or city code known to the reference data, upper-cased."""
    code = normalize_code(value)
    if not code:
        errors.add(field, "is required (an IATA airport or city code such as JFK or PAR)")
        return None
    if not looks_like_code(value.strip()) or place_airport(code) is None:
        errors.add(field, f"{value[:16]!r} is not a known IATA airport or city code")
        return None
    return code


def place_airport(code: str) -> Airport | None:
    """The airport of a code, or the first airport of a city code."""
    airport = lookup_airport(code)
    if airport is None:
        city_airports = resolve_city(code)
        airport = city_airports[0] if city_airports else None
    return airport


def same_city(first: str, second: str) -> bool:
    """Whether two codes are the same place or airports of one city (JFK and NYC, LHR and
    LGW)."""
    a, b = place_airport(first), place_airport(second)
    if first == second or a is None or b is None:
        return first == second
    return a.city_code == b.city_code or a.iata == b.iata


def now_at(code: str | None) -> dt.datetime:
    """The local wall-clock time at a place, naive; UTC when the place is unknown."""
    airport = place_airport(code) if code else None
    zone = ZoneInfo(airport.tz) if airport and airport.tz else dt.UTC
    return dt.datetime.now(zone).replace(tzinfo=None)


def today_at(code: str | None) -> dt.date:
    """Today's date at a place."""
    return now_at(code).date()

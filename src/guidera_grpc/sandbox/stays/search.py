"""Checks every stay emulator makes of a search: dates of the stay, and a place by coordinates.

Each raises ``BadParameter`` naming the field as the calling supplier names it, so every
emulator answers a bad value in its own error format.
"""

from __future__ import annotations

import datetime as dt
import functools
import math

import airportsdata

from guidera_grpc.sandbox.flights.fields import day
from guidera_grpc.sandbox.stays.cities import WELL_KNOWN, City, find_city
from guidera_grpc.sandbox.stays.properties import distance_m
from guidera_grpc.sandbox.wire import BadParameter

MAX_NIGHTS = 30
MAX_DAYS_AHEAD = 365
NEAREST_CITY_MAX_M = 60_000.0


def stay_dates(
    check_in: str, check_out: str, in_field: str, out_field: str
) -> tuple[dt.date, dt.date]:
    """Check-in and check-out: not in the past, at least one night, at most ``MAX_NIGHTS``."""
    first, last = day(check_in, in_field), day(check_out, out_field)
    today = dt.datetime.now(dt.UTC).date()
    if first < today:
        raise BadParameter(in_field, "the check-in date is in the past")
    if first > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise BadParameter(in_field, f"the check-in date is more than {MAX_DAYS_AHEAD} days ahead")
    if last <= first:
        raise BadParameter(out_field, "the check-out date must be after the check-in date")
    if (last - first).days > MAX_NIGHTS:
        raise BadParameter(out_field, f"a stay lasts at most {MAX_NIGHTS} nights")
    return first, last


def nearest_city(lat: float, lon: float) -> City | None:
    """The city nearest to (lat, lon) within 60 km: a well-known centre, else an airport's."""
    known = [city for code in WELL_KNOWN if (city := find_city(code)) is not None]
    near = [(distance_m(lat, lon, city.lat, city.lon), city.code) for city in known]
    near += [(distance_m(lat, lon, a_lat, a_lon), code) for code, a_lat, a_lon in _airports()]
    distance, code = min(near, default=(math.inf, ""))
    return find_city(code) if distance <= NEAREST_CITY_MAX_M else None


@functools.cache
def _airports() -> tuple[tuple[str, float, float], ...]:
    """Every airport's code and coordinates."""
    table = airportsdata.load("IATA")
    return tuple((code, float(row["lat"]), float(row["lon"])) for code, row in table.items())

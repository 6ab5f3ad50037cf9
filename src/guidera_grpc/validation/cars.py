"""Turns a car rental SearchRequest into a CarSearch, naming every bad field."""

from __future__ import annotations

import datetime as dt
import re

from guidera.v1 import search_service_pb2

from guidera_grpc.search.params import CarSearch
from guidera_grpc.validation.common import Violations
from guidera_grpc.validation.places import check_place, now_at

_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
MIN_DRIVER_AGE = 18
MAX_DRIVER_AGE = 99
DEFAULT_DRIVER_AGE = 30
MAX_RENTAL_DAYS = 90
MAX_DAYS_AHEAD = 365


def validate_car_search(
    query: search_service_pb2.CarQuery, currency: str, errors: Violations
) -> CarSearch | None:
    """Check a car query; violations go to ``errors`` with paths under ``cars.``."""
    pick_up = check_place(query.pick_up_location, "cars.pick_up_location", errors)
    drop_off = pick_up
    if query.drop_off_location:
        drop_off = check_place(query.drop_off_location, "cars.drop_off_location", errors)
    pick_up_at, drop_off_at = _check_times(query, pick_up, errors)
    driver_age = _check_driver_age(query.driver_age, errors)
    if errors.items or not (pick_up and drop_off and pick_up_at and drop_off_at):
        return None
    return CarSearch(pick_up, drop_off, pick_up_at, drop_off_at, driver_age, currency)


def parse_local_time(value: str, field: str, errors: Violations) -> dt.datetime | None:
    """A local time YYYY-MM-DDTHH:MM (seconds allowed), without offset."""
    if not value:
        errors.add(field, "is required (YYYY-MM-DDTHH:MM)")
        return None
    try:
        if not _LOCAL_TIME.match(value):
            raise ValueError(value)
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        errors.add(field, f"{value[:32]!r} is not a local time in the form YYYY-MM-DDTHH:MM")
        return None
    if moment.tzinfo is not None:
        errors.add(field, "give the local time at the place, without an offset")
        return None
    return moment.replace(second=0, microsecond=0)


def _check_times(
    query: search_service_pb2.CarQuery, pick_up: str | None, errors: Violations
) -> tuple[dt.datetime | None, dt.datetime | None]:
    pick_up_at = parse_local_time(query.pick_up_local_time, "cars.pick_up_local_time", errors)
    drop_off_at = parse_local_time(query.drop_off_local_time, "cars.drop_off_local_time", errors)
    now = now_at(pick_up)
    if pick_up_at and pick_up_at < now:
        errors.add(
            "cars.pick_up_local_time", f"{pick_up_at.isoformat(timespec='minutes')} is in the past"
        )
    elif pick_up_at and pick_up_at > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        errors.add("cars.pick_up_local_time", f"more than {MAX_DAYS_AHEAD} days ahead")
    if pick_up_at and drop_off_at:
        if drop_off_at <= pick_up_at:
            errors.add("cars.drop_off_local_time", "must be after the pick-up time")
        elif drop_off_at - pick_up_at > dt.timedelta(days=MAX_RENTAL_DAYS):
            errors.add("cars.drop_off_local_time", f"rentals are at most {MAX_RENTAL_DAYS} days")
    return pick_up_at, drop_off_at


def _check_driver_age(age: int, errors: Violations) -> int:
    if age == 0:
        return DEFAULT_DRIVER_AGE
    if age < MIN_DRIVER_AGE:
        errors.add("cars.driver_age", f"the driver must be at least {MIN_DRIVER_AGE}")
    elif age > MAX_DRIVER_AGE:
        errors.add("cars.driver_age", f"{age} is not a plausible driver's age")
    return age

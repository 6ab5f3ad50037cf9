"""Checks for the search fields every supplier has in some form: places, dates, counts.

Each raises BadParameter naming the field the way the calling supplier names it, so every
emulator answers a bad value in its own error format.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from guidera_grpc.reference.airports import Airport, resolve_city
from guidera_grpc.sandbox.flights.catalog import Passengers
from guidera_grpc.sandbox.wire import BadParameter

MAX_DATE_SPAN_DAYS = 31
MAX_SEATED = 9


def places(code: str, field: str) -> tuple[Airport, ...]:
    """The airports behind an IATA airport or city code."""
    text = code.strip().upper()
    if len(text) != 3 or not text.isalpha():
        raise BadParameter(field, f"{code!r} is not a 3-letter IATA location code")
    airports = resolve_city(text)
    if not airports:
        raise BadParameter(field, f"unknown location {text}")
    return airports


def day(text: str, field: str, pattern: str = "%Y-%m-%d") -> date:
    """A calendar date in ``pattern`` (ISO by default)."""
    try:
        return datetime.strptime(text.strip(), pattern).date()
    except ValueError:
        shown = pattern.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
        raise BadParameter(field, f"{text!r} is not a date in {shown} format") from None


def days_between(first: date, last: date, field: str) -> tuple[date, ...]:
    """Every day from ``first`` to ``last`` inclusive, at most a month of them."""
    if last < first:
        raise BadParameter(field, "the range ends before it starts")
    span = (last - first).days + 1
    if span > MAX_DATE_SPAN_DAYS:
        raise BadParameter(field, f"the range covers {span} days; at most {MAX_DATE_SPAN_DAYS}")
    return tuple(first + timedelta(days=offset) for offset in range(span))


def count(text: str | None, field: str, *, low: int, high: int, default: int) -> int:
    """A whole number within bounds, or ``default`` when absent."""
    if text is None or text == "":
        return default
    try:
        number = int(text)
    except ValueError:
        raise BadParameter(field, f"{text!r} is not a whole number") from None
    if not low <= number <= high:
        raise BadParameter(field, f"{number} is outside {low}..{high}")
    return number


def travellers(adults: int, children: int, infants: int, field: str) -> Passengers:
    """Passenger counts, checked: at least one adult, an adult per infant, nine seats at most."""
    if adults < 1:
        raise BadParameter(field, "at least one adult must travel")
    if infants > adults:
        raise BadParameter(field, "each infant must travel with an adult")
    if adults + children > MAX_SEATED:
        raise BadParameter(field, f"at most {MAX_SEATED} seated travellers")
    return Passengers(adults, children, infants)

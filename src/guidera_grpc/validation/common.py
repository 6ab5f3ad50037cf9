"""Shared checks for request validation: each adds a named field violation, never raises early,
so that a client learns every bad field of a request at once."""

from __future__ import annotations

import datetime as dt
import re

from guidera_grpc.errors import FieldViolation, InvalidRequest

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CODE = re.compile(r"^[A-Za-z]{3}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: A client learns at most this many violations: the answer must fit in gRPC's trailers.
MAX_VIOLATIONS = 20


class Violations:
    """Collects field violations and raises them together."""

    def __init__(self) -> None:
        self.items: list[FieldViolation] = []
        self.dropped = 0

    def add(self, field: str, description: str) -> None:
        if len(self.items) >= MAX_VIOLATIONS:
            self.dropped += 1
            return
        self.items.append(FieldViolation(field[:200], description[:300]))

    def raise_if_any(self) -> None:
        if self.items:
            raise InvalidRequest(self.items)


def parse_date(value: str, field: str, errors: Violations) -> dt.date | None:
    """A YYYY-MM-DD date, or None with a violation."""
    if not value:
        errors.add(field, "is required (YYYY-MM-DD)")
        return None
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        errors.add(field, f"{value[:32]!r} is not a date in the form YYYY-MM-DD")
        return None


def check_currency(value: str, field: str, errors: Violations) -> str:
    """An ISO 4217 code, upper-cased; empty means EUR."""
    if not value:
        return "EUR"
    code = value.strip().upper()
    if not value.strip().isascii() or not _CURRENCY.match(code):
        errors.add(field, f"{value[:16]!r} is not an ISO 4217 code such as EUR or USD")
    return code


def normalize_code(value: str) -> str:
    """IATA codes are case-insensitive on input and upper-case everywhere after."""
    return value.strip().upper()


def looks_like_code(value: str) -> bool:
    """Three ASCII letters, the shape of an IATA airport or city code."""
    return bool(_CODE.match(value))


def check_text(value: str, field: str, max_length: int, errors: Violations) -> str:
    """Free text: at most ``max_length`` characters, no control characters (they would
    forge log lines or be refused by the database)."""
    if len(value) > max_length:
        errors.add(field, f"at most {max_length} characters")
    elif _CONTROL.search(value):
        errors.add(field, "must not contain control characters")
    return value

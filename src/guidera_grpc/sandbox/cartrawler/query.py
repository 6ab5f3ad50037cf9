"""Reading an ``OTA_VehAvailRateRQ`` body in CarTrawler's JSON-OTA form.

Fields: ``POS/Source/@ISOCurrency`` (EUR when absent), ``VehAvailRQCore/VehRentalCore`` with
``@PickUpDateTime`` / ``@ReturnDateTime`` (local wall-clock times) and ``PickUpLocation`` /
``ReturnLocation`` (``@LocationCode``: an IATA airport or city code; the return defaults to the
pick-up), and ``VehAvailRQCore/DriverType/@Age`` (30 when absent). Problems raise
``BadParameter`` naming the field by its OTA path; an absent field has "missing" as detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guidera_grpc.sandbox.cars.catalog import CarQuery
from guidera_grpc.sandbox.cars.locations import locations_for
from guidera_grpc.sandbox.flights.money import EUR, Currency, currency
from guidera_grpc.sandbox.wire import BadParameter, now_utc

MISSING = "missing"
MAX_RENTAL = dt.timedelta(days=90)
MAX_DAYS_AHEAD = 550
MIN_AGE, MAX_AGE = 18, 99
CODE_CONTEXTS = ("IATA", "CARTRAWLER", "")
_CORE = "VehAvailRQCore/VehRentalCore"


@dataclass(frozen=True, slots=True)
class CarTrawlerSearch:
    """A parsed availability request."""

    query: CarQuery
    currency: Currency
    pick_up_context: str
    return_context: str


def _node(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, Mapping) else {}


def attribute(parent: Mapping[str, Any], name: str) -> str:
    """An attribute's text, "" when absent; numbers are accepted and written out."""
    value = parent.get(f"@{name}")
    if isinstance(value, bool):
        return ""
    return str(value).strip() if isinstance(value, str | int | float) else ""


def requestor_id(body: Mapping[str, Any]) -> str:
    """``POS/Source/RequestorID/@ID``, or ""."""
    return attribute(_node(_node(_node(body, "POS"), "Source"), "RequestorID"), "ID")


def target(body: Mapping[str, Any]) -> str:
    """``@Target``: Test unless the body says otherwise."""
    return attribute(body, "Target") or "Test"


def from_body(body: Mapping[str, Any]) -> CarTrawlerSearch:
    """The search in an availability request."""
    core = _node(body, "VehAvailRQCore")
    rental = _node(core, "VehRentalCore")
    pick_up_at = _moment(rental, "PickUpDateTime")
    return_at = _moment(rental, "ReturnDateTime")
    _check_span(pick_up_at, return_at)
    pick_up, pick_up_context = _location(_node(rental, "PickUpLocation"), "PickUpLocation")
    returned = _node(rental, "ReturnLocation")
    drop_off, return_context = (
        _location(returned, "ReturnLocation") if returned else (pick_up, pick_up_context)
    )
    query = CarQuery(pick_up, drop_off, pick_up_at, return_at, _age(_node(core, "DriverType")))
    source = _node(_node(body, "POS"), "Source")
    return CarTrawlerSearch(query, _currency(source), pick_up_context, return_context)


def _moment(rental: Mapping[str, Any], name: str) -> dt.datetime:
    field = f"{_CORE}/@{name}"
    text = attribute(rental, name)
    if not text:
        raise BadParameter(field, MISSING)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter(field, f"{text!r} is not a date and time YYYY-MM-DDThh:mm:ss") from None
    return moment.replace(tzinfo=None, second=0, microsecond=0)


def _check_span(pick_up_at: dt.datetime, return_at: dt.datetime) -> None:
    today = now_utc().date()
    if pick_up_at.date() < today - dt.timedelta(days=1):
        raise BadParameter(f"{_CORE}/@PickUpDateTime", "the pick-up time is in the past")
    if pick_up_at.date() > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise BadParameter(f"{_CORE}/@PickUpDateTime", "the pick-up time is too far ahead")
    if return_at <= pick_up_at:
        raise BadParameter(f"{_CORE}/@ReturnDateTime", "the return must follow the pick-up")
    if return_at - pick_up_at > MAX_RENTAL:
        raise BadParameter(
            f"{_CORE}/@ReturnDateTime", f"rentals last {MAX_RENTAL.days} days at most"
        )


def _location(node: Mapping[str, Any], name: str) -> tuple[str, str]:
    field = f"{_CORE}/{name}/@LocationCode"
    code = attribute(node, "LocationCode").upper()
    if not code:
        raise BadParameter(field, MISSING)
    context = attribute(node, "CodeContext").upper()
    if context not in CODE_CONTEXTS:
        raise BadParameter(f"{_CORE}/{name}/@CodeContext", f"unsupported context {context!r}")
    if not locations_for(code):
        raise BadParameter(field, f"no rental location for {code!r}")
    return code, context or "IATA"


def _age(driver: Mapping[str, Any]) -> int:
    field = "VehAvailRQCore/DriverType/@Age"
    text = attribute(driver, "Age")
    if not text:
        return 30
    if not text.isdigit():
        raise BadParameter(field, f"{text!r} is not a whole number")
    age = int(text)
    if not MIN_AGE <= age <= MAX_AGE:
        raise BadParameter(field, f"drivers must be {MIN_AGE} to {MAX_AGE}")
    return age


def _currency(source: Mapping[str, Any]) -> Currency:
    code = attribute(source, "ISOCurrency")
    if not code:
        return EUR
    found = currency(code)
    if found is None:
        raise BadParameter("POS/Source/@ISOCurrency", f"unsupported currency {code!r}")
    return found

"""Reading a Rapid availability query: stay, currency, point of sale, rooms and properties.

``occupancy`` is repeated once per room as ``adults[-age[,age]]`` (``2-9,4``);
``property_id`` is repeated 1 to 250 times. Every required parameter of the shopping call is
checked, so a client that forgets one meets Rapid's own 400.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from multidict import MultiMapping

from guidera_grpc.sandbox.expedia.params import Invalid, choice, language, one, repeated
from guidera_grpc.sandbox.flights.money import Currency, currency
from guidera_grpc.sandbox.stays.rooms import Occupancy
from guidera_grpc.sandbox.stays.search import stay_dates
from guidera_grpc.sandbox.wire import BadParameter

MAX_ROOMS = 8
MAX_PROPERTIES = 250
SALES_CHANNELS = frozenset({"website", "agent_tool", "mobile_app", "mobile_web", "meta", "cache"})
SALES_ENVIRONMENTS = frozenset({"hotel_package", "hotel_only", "loyalty"})
_OCCUPANCY = re.compile(r"(?P<adults>\d{1,2})(?:-(?P<ages>\d{1,2}(?:,\d{1,2})*))?")


@dataclass(frozen=True, slots=True)
class AvailabilityQuery:
    """A shopping request, read."""

    check_in: dt.date
    check_out: dt.date
    currency: Currency
    occupancies: tuple[str, ...]
    rooms: tuple[Occupancy, ...]
    property_ids: tuple[str, ...]
    rate_plan_count: int
    refundable_only: bool


def read_query(query: MultiMapping[str]) -> AvailabilityQuery:
    """The query's parameters; ``Invalid`` names the first one Rapid would refuse."""
    check_in_text, check_out_text = one(query, "checkin"), one(query, "checkout")
    try:
        check_in, check_out = stay_dates(check_in_text, check_out_text, "checkin", "checkout")
    except BadParameter as bad:
        raise Invalid(bad.field, "invalid_date", bad.detail, query.get(bad.field, "")) from None
    money = _currency(one(query, "currency"))
    _country(one(query, "country_code"))
    language(query)
    occupancies = repeated(query, "occupancy", 1, MAX_ROOMS)
    rooms = tuple(_occupancy(text) for text in occupancies)
    ids = repeated(query, "property_id", 1, MAX_PROPERTIES)
    count = _rate_plan_count(one(query, "rate_plan_count"))
    choice(query, "sales_channel", SALES_CHANNELS)
    choice(query, "sales_environment", SALES_ENVIRONMENTS)
    return AvailabilityQuery(
        check_in=check_in,
        check_out=check_out,
        currency=money,
        occupancies=tuple(occupancies),
        rooms=rooms,
        property_ids=tuple(dict.fromkeys(ids)),
        rate_plan_count=count,
        refundable_only="refundable" in query.getall("filter", []),
    )


def _currency(code: str) -> Currency:
    found = currency(code)
    if found is None or code != code.upper():
        raise Invalid("currency", "invalid", "currency is not a supported ISO 4217 code.", code)
    return found


def _country(code: str) -> None:
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        raise Invalid("country_code", "invalid", "country_code must be ISO 3166-1 alpha-2.", code)


def _occupancy(text: str) -> Occupancy:
    match = _OCCUPANCY.fullmatch(text)
    if match is None:
        raise Invalid("occupancy", "invalid", "occupancy must look like 2 or 2-9,4.", text)
    adults = int(match["adults"])
    ages = tuple(int(age) for age in match["ages"].split(",")) if match["ages"] else ()
    if not 1 <= adults <= 8 or len(ages) > 6 or any(age > 17 for age in ages):
        raise Invalid(
            "occupancy", "invalid", "occupancy has too many guests or an adult age.", text
        )
    return Occupancy(adults, ages)


def _rate_plan_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_PROPERTIES:
        raise Invalid("rate_plan_count", "invalid", "rate_plan_count must be 1 to 250.", text)
    return int(text)

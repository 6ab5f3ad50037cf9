"""Reading Viator search bodies: ``/products/search`` and ``/search/freetext``.

Both name a destination id, a currency, dates (``startDate``/``endDate``, or ``dateRange``
for free text) in the supplier's zone, sorting and pagination (``start`` is 1-based, ``count``
at most 50). A bad field raises ``BadParameter`` named by its path in the body.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guidera_grpc.sandbox.activities.cities import City
from guidera_grpc.sandbox.flights.money import Currency, currency
from guidera_grpc.sandbox.viator.destinations import city_of_destination
from guidera_grpc.sandbox.wire import BadParameter

_CURRENCY_CODES = "AUD BRL CAD CHF DKK EUR GBP HKD INR JPY NOK NZD SEK SGD TWD USD ZAR"
CURRENCIES = frozenset(_CURRENCY_CODES.split())
SORTS = ("DEFAULT", "PRICE", "TRAVELER_RATING", "ITINERARY_DURATION", "DATE_ADDED")
MAX_COUNT = 50
DEFAULT_COUNT = 10
MAX_DAYS_AHEAD = 366
#: Dates are in the supplier's zone, which may be a day behind the sandbox's.
ZONE_SLACK = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ViatorSearch:
    """A parsed search, from either endpoint."""

    city: City | None
    """None for a destination that is a country or unknown: the answer is empty."""
    destination: str
    currency: Currency
    first: dt.date
    last: dt.date
    text: str
    sort: str
    descending: bool
    start: int
    count: int
    flags: frozenset[str]


def products_search(body: object, today: dt.date) -> ViatorSearch:
    """The ``/products/search`` request in ``body``."""
    root = _object(body, "body")
    filtering = _object(root.get("filtering"), "filtering")
    sorting = _optional_object(root.get("sorting"), "sorting")
    first, last = _dates(filtering.get("startDate"), filtering.get("endDate"), "filtering", today)
    return _search(
        root,
        filtering,
        sorting,
        _optional_object(root.get("pagination"), "pagination"),
        (first, last),
        text="",
    )


def freetext_search(body: object, today: dt.date) -> ViatorSearch:
    """The ``/search/freetext`` request in ``body`` (products only)."""
    root = _object(body, "body")
    term = root.get("searchTerm")
    if not isinstance(term, str) or not term.strip():
        raise BadParameter("searchTerm", "searchTerm is required")
    filtering = _object(root.get("productFiltering"), "productFiltering")
    sorting = _optional_object(root.get("productSorting"), "productSorting")
    dates = _optional_object(filtering.get("dateRange"), "productFiltering.dateRange")
    first, last = _dates(dates.get("from"), dates.get("to"), "productFiltering.dateRange", today)
    return _search(root, filtering, sorting, _products_pagination(root), (first, last), term)


def _search(
    root: Mapping[str, Any],
    filtering: Mapping[str, Any],
    sorting: Mapping[str, Any],
    pagination: Mapping[str, Any],
    dates: tuple[dt.date, dt.date],
    text: str,
) -> ViatorSearch:
    destination = filtering.get("destination")
    if isinstance(destination, int) and not isinstance(destination, bool):
        destination = str(destination)
    if not isinstance(destination, str) or not destination.strip().isdigit():
        raise BadParameter("filtering.destination", "a numeric destination id is required")
    sort = sorting.get("sort", "DEFAULT")
    if sort not in SORTS:
        raise BadParameter("sorting.sort", f"must be one of {', '.join(SORTS)}")
    order = sorting.get("order", "DESCENDING" if sort == "TRAVELER_RATING" else "ASCENDING")
    if order not in ("ASCENDING", "DESCENDING"):
        raise BadParameter("sorting.order", "must be ASCENDING or DESCENDING")
    flags = filtering.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
        raise BadParameter("filtering.flags", "must be a list of flag names")
    return ViatorSearch(
        city=city_of_destination(destination),
        destination=destination.strip(),
        currency=_currency(root.get("currency")),
        first=dates[0],
        last=dates[1],
        text=text.strip(),
        sort=sort,
        descending=order == "DESCENDING",
        start=_whole(pagination.get("start", 1), "pagination.start", low=1),
        count=min(MAX_COUNT, _whole(pagination.get("count", DEFAULT_COUNT), "pagination.count")),
        flags=frozenset(flags),
    )


def _products_pagination(root: Mapping[str, Any]) -> Mapping[str, Any]:
    types = root.get("searchTypes")
    if not isinstance(types, list) or not types:
        raise BadParameter("searchTypes", "searchTypes is required")
    for item in types:
        if isinstance(item, Mapping) and item.get("searchType") == "PRODUCTS":
            return _optional_object(item.get("pagination"), "searchTypes.pagination")
    raise BadParameter("searchTypes", "only PRODUCTS searches are served by the sandbox")


def _dates(start: object, end: object, where: str, today: dt.date) -> tuple[dt.date, dt.date]:
    first = _date(start, f"{where}.startDate") if start is not None else today
    last = _date(end, f"{where}.endDate") if end is not None else today + dt.timedelta(days=365)
    if first < today - ZONE_SLACK:
        raise BadParameter(f"{where}.startDate", "startDate cannot be in the past")
    if last < first:
        raise BadParameter(f"{where}.endDate", "endDate is before startDate")
    if last > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise BadParameter(f"{where}.endDate", "endDate is more than one year ahead")
    return first, last


def _date(value: object, field: str) -> dt.date:
    if not isinstance(value, str):
        raise BadParameter(field, "must be a date in YYYY-MM-DD format")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(field, f"{value!r} is not a date in YYYY-MM-DD format") from None


def _currency(value: object) -> Currency:
    if not isinstance(value, str) or not value.strip():
        raise BadParameter("currency", "currency is required")
    code = value.strip().upper()
    found = currency(code) if code in CURRENCIES else None
    if found is None:
        raise BadParameter("currency", f"unsupported currency {value!r}")
    return found


def _whole(value: object, field: str, low: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise BadParameter(field, f"must be a whole number of at least {low}")
    return value


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadParameter(field, f"{field} is required and must be an object")
    return value


def _optional_object(value: object, field: str) -> Mapping[str, Any]:
    return {} if value is None else _object(value, field)

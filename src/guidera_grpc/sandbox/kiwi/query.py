"""Reading a Kiwi.com Tequila ``GET /v2/search`` query string.

Dates are dd/mm/YYYY ranges; places are comma lists of IATA airport or city codes, optionally
prefixed ``airport:`` or ``city:``; a round trip needs both ``return_from`` and ``return_to``,
or both ``nights_in_dst_from`` and ``nights_in_dst_to``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from multidict import MultiMapping

from guidera_grpc.reference.airports import Airport, is_city_code, lookup_airport
from guidera_grpc.sandbox.flights import fields
from guidera_grpc.sandbox.flights.catalog import FlightSearch, SliceRequest
from guidera_grpc.sandbox.flights.fares import Cabin
from guidera_grpc.sandbox.flights.money import EUR, Currency, currency
from guidera_grpc.sandbox.wire import BadParameter

DATE_PATTERN = "%d/%m/%Y"
CABINS = {"M": Cabin.ECONOMY, "W": Cabin.PREMIUM_ECONOMY, "C": Cabin.BUSINESS, "F": Cabin.FIRST}
SORTS = ("price", "duration", "quality", "date")
MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class KiwiSearch:
    """A parsed search with the options only Kiwi has."""

    search: FlightSearch
    currency: Currency
    limit: int
    sort: str
    ascending: bool
    from_type: str
    to_type: str


def from_query(query: MultiMapping[str]) -> KiwiSearch:
    """The search in a ``/v2/search`` query string."""
    origins, from_type = _places(_required(query, "fly_from"), "fly_from")
    destinations, to_type = _places(_required(query, "fly_to"), "fly_to")
    first = fields.day(_required(query, "date_from"), "date_from", DATE_PATTERN)
    last = fields.day(query.get("date_to") or query["date_from"], "date_to", DATE_PATTERN)
    outbound = fields.days_between(first, last, "date_to")
    slices = [SliceRequest(origins, destinations, outbound)]
    stay = _stay(query)
    returns = _return_days(query, outbound, stay)
    if returns:
        slices.append(SliceRequest(destinations, origins, returns))
    passengers = fields.travellers(
        fields.count(query.get("adults"), "adults", low=0, high=9, default=1),
        fields.count(query.get("children"), "children", low=0, high=9, default=0),
        fields.count(query.get("infants"), "infants", low=0, high=9, default=0),
        "adults",
    )
    search = FlightSearch(
        slices=tuple(slices),
        passengers=passengers,
        cabin=_cabin(query.get("selected_cabins")),
        max_stops=_optional(query.get("max_stopovers"), "max_stopovers"),
        stay_nights=stay,
        **_airline_filter(query),
    )
    return KiwiSearch(
        search=search,
        currency=_currency(query.get("curr")),
        limit=fields.count(query.get("limit"), "limit", low=1, high=MAX_LIMIT, default=200),
        sort=_sort(query.get("sort")),
        ascending=query.get("asc", "1") != "0",
        from_type=from_type,
        to_type=to_type,
    )


def _required(query: MultiMapping[str], name: str) -> str:
    value = query.get(name, "").strip()
    if not value:
        raise BadParameter(name, "missing required parameter")
    return value


def _places(text: str, name: str) -> tuple[tuple[Airport, ...], str]:
    airports: list[Airport] = []
    kinds: set[str] = set()
    for item in text.split(","):
        prefix, _, code = item.strip().rpartition(":")
        if prefix not in ("", "airport", "city"):
            raise BadParameter(name, f"unsupported location type {prefix!r}")
        found = fields.places(code, name)
        airports.extend(airport for airport in found if airport not in airports)
        city = prefix == "city" or (
            prefix == "" and is_city_code(code) and not lookup_airport(code)
        )
        kinds.add("city" if city else "airport")
    return tuple(airports), kinds.pop() if len(kinds) == 1 else "mixed"


def _stay(query: MultiMapping[str]) -> tuple[int, int] | None:
    low, high = query.get("nights_in_dst_from"), query.get("nights_in_dst_to")
    if not low and not high:
        return None
    if not low or not high:
        raise BadParameter(
            "nights_in_dst_to", "nights_in_dst_from and nights_in_dst_to go together"
        )
    shortest = fields.count(low, "nights_in_dst_from", low=0, high=60, default=0)
    longest = fields.count(high, "nights_in_dst_to", low=0, high=60, default=0)
    if longest < shortest:
        raise BadParameter("nights_in_dst_to", "must not be below nights_in_dst_from")
    return shortest, longest


def _return_days(
    query: MultiMapping[str], outbound: tuple[date, ...], stay: tuple[int, int] | None
) -> tuple[date, ...]:
    start, end = query.get("return_from"), query.get("return_to")
    if start or end:
        if stay is not None:
            raise BadParameter(
                "return_from", "give return dates or nights in destination, not both"
            )
        if not start or not end:
            raise BadParameter("return_to", "return_from and return_to go together")
        first = fields.day(start, "return_from", DATE_PATTERN)
        last = fields.day(end, "return_to", DATE_PATTERN)
        return fields.days_between(first, last, "return_to")
    if stay is None:
        return ()
    first = outbound[0] + timedelta(days=stay[0])
    last = min(outbound[-1] + timedelta(days=stay[1] + 1), first + timedelta(days=30))
    return fields.days_between(first, last, "nights_in_dst_to")


def _cabin(value: str | None) -> Cabin:
    if not value:
        return Cabin.ECONOMY
    cabin = CABINS.get(value.strip().upper())
    if cabin is None:
        raise BadParameter("selected_cabins", "must be one of M, W, C, F")
    return cabin


def _optional(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    return fields.count(value, name, low=0, high=10, default=0)


def _airline_filter(query: MultiMapping[str]) -> dict[str, frozenset[str]]:
    listed = query.get("select_airlines")
    if not listed:
        return {}
    codes = frozenset(code.strip().upper() for code in listed.split(",") if code.strip())
    if query.get("select_airlines_exclude", "false").lower() in ("true", "1"):
        return {"excluded_carriers": codes}
    return {"only_carriers": codes}


def _currency(value: str | None) -> Currency:
    if not value:
        return EUR
    found = currency(value)
    if found is None:
        raise BadParameter("curr", f"unsupported currency {value!r}")
    return found


def _sort(value: str | None) -> str:
    if not value:
        return "price"
    if value not in SORTS:
        raise BadParameter("sort", f"must be one of {', '.join(SORTS)}")
    return value

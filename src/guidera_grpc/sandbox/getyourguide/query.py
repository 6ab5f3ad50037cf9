"""Reading GetYourGuide query strings: ``/1/tours`` search and tour availabilities.

``cnt_language`` and ``currency`` are required everywhere. A search names its place either in
``q`` (``iata:rom``, or a place name followed by words to look for: ``Rome colosseum``) or in
``coordinates[]`` (latitude, longitude, radius in km), never both. ``date[]`` holds one local
date-time (tours offered that day) or two (tours offered between them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from multidict import MultiMapping

from guidera_grpc.sandbox.activities.cities import (
    City,
    city_named,
    city_of,
    distance_km,
    known_cities,
)
from guidera_grpc.sandbox.flights import fields
from guidera_grpc.sandbox.flights.money import Currency, currency
from guidera_grpc.sandbox.wire import BadParameter

LANGUAGES = frozenset(
    ["da", "de", "en", "es", "fr", "it", "nl", "no", "pl", "pt", "fi", "sv", "ru", "ja"]
)
SORT_FIELDS = ("popularity", "price", "rating", "duration")
MAX_LIMIT = 500
MAX_PLACE_WORDS = 4
MAX_RANGE_DAYS = 366


@dataclass(frozen=True, slots=True)
class Common:
    """What every call carries: the content language and the currency of prices."""

    language: str
    currency: Currency


@dataclass(frozen=True, slots=True)
class ToursQuery:
    """A parsed ``/1/tours`` search."""

    common: Common
    city: City | None
    """None when the query names no place the sandbox knows: the answer is empty."""
    text: str
    dates: tuple[dt.date, dt.date] | None
    limit: int
    offset: int
    sort_field: str
    descending: bool


def common(query: MultiMapping[str]) -> Common:
    """``cnt_language`` and ``currency``, both required."""
    language = query.get("cnt_language", "").strip().lower()
    if not language:
        raise BadParameter("cnt_language", "missing required parameter")
    if language not in LANGUAGES:
        raise BadParameter("cnt_language", f"unsupported language {language!r}")
    code = query.get("currency", "").strip()
    if not code:
        raise BadParameter("currency", "missing required parameter")
    found = currency(code)
    if found is None:
        raise BadParameter("currency", f"unsupported currency {code!r}")
    return Common(language, found)


def tours_query(query: MultiMapping[str]) -> ToursQuery:
    """The search in a ``/1/tours`` query string."""
    shared = common(query)
    q = query.get("q", "").strip()
    coordinates = query.getall("coordinates[]", [])
    if q and coordinates:
        raise BadParameter("q", "q and coordinates[] are mutually exclusive")
    if not q and not coordinates:
        raise BadParameter("q", "give q or coordinates[]")
    city, text = _place_in_text(q) if q else (_place_near(coordinates), "")
    sort_field = query.get("sortfield", "popularity")
    if sort_field not in SORT_FIELDS:
        raise BadParameter("sortfield", f"must be one of {', '.join(SORT_FIELDS)}")
    direction = query.get("sortdirection", "DESC").upper()
    if direction not in ("ASC", "DESC"):
        raise BadParameter("sortdirection", "must be ASC or DESC")
    return ToursQuery(
        common=shared,
        city=city,
        text=text,
        dates=date_range(query),
        limit=fields.count(query.get("limit"), "limit", low=1, high=MAX_LIMIT, default=10),
        offset=fields.count(query.get("offset"), "offset", low=0, high=100_000, default=0),
        sort_field=sort_field,
        descending=direction == "DESC",
    )


def date_range(query: MultiMapping[str]) -> tuple[dt.date, dt.date] | None:
    """The days ``date[]`` covers: one day, or from the first value to the second."""
    values = query.getall("date[]", [])
    if not values:
        return None
    if len(values) > 2:
        raise BadParameter("date[]", "give one or two values")
    days = [_day(value) for value in values]
    first, last = days[0], days[-1]
    if last < first:
        raise BadParameter("date[]", "the second date is before the first")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise BadParameter("date[]", f"the range covers more than {MAX_RANGE_DAYS} days")
    return first, last


def _day(value: str) -> dt.date:
    text = value.strip()
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        raise BadParameter(
            "date[]", f"{value!r} is not a date-time like 2027-05-01T00:00:00"
        ) from None


def _place_in_text(q: str) -> tuple[City | None, str]:
    """``iata:rom [words]``, or a place name of up to four words followed by the words."""
    if q.lower().startswith("iata:"):
        code, _, rest = q[5:].strip().partition(" ")
        return city_of(code) if code.isalpha() and len(code) == 3 else None, rest.strip()
    words = q.split()
    for size in range(min(MAX_PLACE_WORDS, len(words)), 0, -1):
        city = city_named(" ".join(words[:size]))
        if city is not None:
            return city, " ".join(words[size:])
    return None, q


def _place_near(values: list[str]) -> City | None:
    """The catalogue city whose centre lies within the radius of the point, if any."""
    if len(values) != 3:
        raise BadParameter("coordinates[]", "give latitude, longitude and radius")
    try:
        lat, lon, radius = (float(value) for value in values)
    except ValueError:
        raise BadParameter("coordinates[]", "latitude, longitude and radius are numbers") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and radius > 0):
        raise BadParameter("coordinates[]", "out of range")
    city = min(known_cities(), key=lambda c: distance_km(lat, lon, c.lat, c.lon))
    return city if distance_km(lat, lon, city.lat, city.lon) <= radius else None

"""Hotelbeds Activities API emulator: ``POST /activity-api/3.0/activities`` under ``/hotelbeds``.

The Activities suite has its own key and secret, checked by the same gateway as the hotel
suite (``Api-key`` and ``X-Signature``). A search body holds ``filters`` (each a list of
``searchFilterItems``: ``destination`` with an IATA city code, ``text`` with words, or ``gps``
with coordinates), ``from`` and ``to`` dates, ``language``, ``pagination`` and ``order``. A bad
body gets a 400 whose ``errors`` carry ``code``, ``text`` and ``internalDescription``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.activities.catalog import Experience, search
from guidera_grpc.sandbox.activities.cities import City, city_of, distance_km, known_cities
from guidera_grpc.sandbox.activities.hotelbeds_render import activity, audit_data
from guidera_grpc.sandbox.activities.specs import HOTELBEDS
from guidera_grpc.sandbox.hotelbeds.auth import check_hotelbeds_signature
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import BadParameter, json_response, now_utc

SEARCH_PATH = "/activity-api/3.0/activities"
MAX_DAYS = 31
MAX_ITEMS_PER_PAGE = 100
GPS_RADIUS_KM = 50.0
ORDERS = ("DEFAULT", "PRICE", "NAME")


def activity_routes() -> list[web.RouteDef]:
    """The Activities API routes served under ``/hotelbeds``."""
    return [web.post(SEARCH_PATH, search_activities)]


@dataclass(frozen=True, slots=True)
class _Search:
    city: City | None
    text: str
    first: dt.date
    last: dt.date
    page: int
    per_page: int
    order: str


async def search_activities(request: web.Request) -> web.StreamResponse:
    """Activities in a destination between two dates."""
    started = now_utc()
    denied = check_hotelbeds_signature(
        request,
        SANDBOX_CREDENTIALS["hotelbeds_activities_api_key"],
        SANDBOX_CREDENTIALS["hotelbeds_activities_secret"],
    )
    if denied is not None:
        return denied
    try:
        parsed = _parse(orjson.loads(await request.read()))
    except orjson.JSONDecodeError:
        return _error(started, "INVALID_REQUEST", "The body is not valid JSON", "body")
    except BadParameter as bad:
        return _error(started, "INVALID_DATA", bad.detail, bad.field)
    found = _ordered(_found(parsed), parsed.order)
    cap = request.config_dict[SANDBOX].knobs[HOTELBEDS].offers
    size = min(parsed.per_page, cap)
    page = found[(parsed.page - 1) * size : parsed.page * size]
    days = [
        parsed.first + dt.timedelta(days=n) for n in range((parsed.last - parsed.first).days + 1)
    ]
    return json_response(
        {
            "operationId": str(uuid.uuid4()),
            "auditData": audit_data(started),
            "pagination": {"itemsPerPage": size, "page": parsed.page, "totalItems": len(found)},
            "activities": [activity(experience, days) for experience in page],
        }
    )


def _parse(body: object) -> _Search:
    if not isinstance(body, Mapping):
        raise BadParameter("body", "The request body must be a JSON object")
    city, text = _filters(body.get("filters"))
    first = _date(body.get("from"), "from")
    last = _date(body.get("to"), "to")
    if last < first:
        raise BadParameter("to", "'to' must not be before 'from'")
    if (last - first).days >= MAX_DAYS:
        raise BadParameter("to", f"A search covers at most {MAX_DAYS} days")
    pagination = body.get("pagination") or {}
    if not isinstance(pagination, Mapping):
        raise BadParameter("pagination", "pagination must be an object")
    order = body.get("order", "DEFAULT")
    if order not in ORDERS:
        raise BadParameter("order", f"order must be one of {', '.join(ORDERS)}")
    return _Search(
        city=city,
        text=text,
        first=first,
        last=last,
        page=_positive(pagination.get("page", 1), "pagination.page"),
        per_page=min(
            MAX_ITEMS_PER_PAGE,
            _positive(
                pagination.get("itemsPerPage", MAX_ITEMS_PER_PAGE), "pagination.itemsPerPage"
            ),
        ),
        order=order,
    )


def _filters(value: object) -> tuple[City | None, str]:
    """The place (a destination or a point) and the words of the filters."""
    if not isinstance(value, list) or not value:
        raise BadParameter("filters", "At least one filter with a destination is required")
    items = [
        item
        for group in value
        if isinstance(group, Mapping) and isinstance(group.get("searchFilterItems"), list)
        for item in group["searchFilterItems"]
        if isinstance(item, Mapping)
    ]
    places = [_place(item) for item in items if item.get("type") in ("destination", "gps")]
    if not places:
        raise BadParameter("filters", "A destination or gps filter is required")
    words = " ".join(str(item.get("value", "")) for item in items if item.get("type") == "text")
    return places[0], words.strip()


def _place(item: Mapping[str, Any]) -> City | None:
    if item.get("type") == "destination":
        code = item.get("value")
        if not isinstance(code, str) or not code.strip():
            raise BadParameter("filters.value", "A destination filter needs a code")
        return city_of(code)
    lat, lon = (
        _degrees(item.get("latitude"), "latitude"),
        _degrees(item.get("longitude"), "longitude"),
    )
    nearest = min(known_cities(), key=lambda c: distance_km(lat, lon, c.lat, c.lon))
    return nearest if distance_km(lat, lon, nearest.lat, nearest.lon) <= GPS_RADIUS_KM else None


def _degrees(value: object, name: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise BadParameter(f"filters.{name}", f"A gps filter needs a numeric {name}")
    return float(value)


def _found(parsed: _Search) -> list[Experience]:
    if parsed.city is None:
        return []
    return search(HOTELBEDS, parsed.city.code, parsed.first, parsed.last, parsed.text)


def _ordered(found: list[Experience], order: str) -> list[Experience]:
    if order == "PRICE":
        return sorted(found, key=lambda e: e.listings[HOTELBEDS].price_eur)
    if order == "NAME":
        return sorted(found, key=lambda e: e.listings[HOTELBEDS].title)
    return found


def _date(value: object, field: str) -> dt.date:
    if not isinstance(value, str):
        raise BadParameter(field, f"'{field}' is required, as YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(field, f"'{field}' is not a date in YYYY-MM-DD format") from None


def _positive(value: object, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadParameter(field, f"{field} must be a whole number of at least 1")
    return value


def _error(started: dt.datetime, code: str, text: str, field: str) -> web.Response:
    return json_response(
        {
            "operationId": str(uuid.uuid4()),
            "auditData": audit_data(started),
            "errors": [{"code": code, "text": text, "internalDescription": f"field: {field}"}],
        },
        status=400,
    )

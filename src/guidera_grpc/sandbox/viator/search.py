"""Viator handlers: product search, free-text search and the destinations taxonomy.

Every answer carries an ``X-Unique-ID``. The searches want the key, ``Accept:
application/json;version=2.0`` and a JSON body; the taxonomy (a V1-style endpoint) wants only
the key. The ``offers`` knob caps how many products one answer holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.sandbox.activities.catalog import Experience, search
from guidera_grpc.sandbox.activities.specs import VIATOR
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.viator import errors
from guidera_grpc.sandbox.viator.auth import check_headers, check_key
from guidera_grpc.sandbox.viator.destinations import taxonomy_body
from guidera_grpc.sandbox.viator.query import ViatorSearch, freetext_search, products_search
from guidera_grpc.sandbox.viator.render import flags, product
from guidera_grpc.sandbox.wire import BadParameter, json_response

CONTENT_TYPE = "application/json;version=2.0"
Parser = Callable[[object, dt.date], ViatorSearch]


async def search_products(request: web.Request) -> web.StreamResponse:
    """``POST /products/search``: ``{"products": [...], "totalCount": n}``."""
    return await _answer(request, products_search, lambda items, total: _listed(items, total))


async def search_freetext(request: web.Request) -> web.StreamResponse:
    """``POST /search/freetext``: ``{"products": {"totalCount": n, "results": [...]}}``."""
    return await _answer(
        request,
        freetext_search,
        lambda items, total: {"products": {"totalCount": total, "results": items}},
    )


async def taxonomy_destinations(request: web.Request) -> web.StreamResponse:
    """``GET /v1/taxonomy/destinations``: every destination, cities and countries."""
    denied = check_key(request)
    if denied is not None:
        return denied
    return web.Response(
        body=taxonomy_body(),
        content_type="application/json",
        headers={errors.UNIQUE_ID_HEADER: errors.unique_id()},
    )


async def _answer(
    request: web.Request,
    parse: Parser,
    shape: Callable[[list[dict[str, Any]], int], dict[str, Any]],
) -> web.StreamResponse:
    denied = check_headers(request)
    if denied is not None:
        return denied
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return errors.bad_request("Malformed JSON in the request body")
    try:
        parsed = parse(body, dt.date.today())
    except BadParameter as bad:
        return errors.bad_request(f"Invalid request: {bad.field}: {bad.detail}")
    found = _ordered(_found(parsed), parsed)
    cap = request.config_dict[SANDBOX].knobs[VIATOR].offers
    page = found[parsed.start - 1 : parsed.start - 1 + min(parsed.count, cap)]
    items = [product(experience, parsed.currency) for experience in page]
    return json_response(
        shape(items, len(found)),
        content_type=CONTENT_TYPE,
        headers={errors.UNIQUE_ID_HEADER: errors.unique_id()},
    )


def _listed(items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"products": items, "totalCount": total}


def _found(parsed: ViatorSearch) -> list[Experience]:
    if parsed.city is None:
        return []
    found = search(VIATOR, parsed.city.code, parsed.first, parsed.last, parsed.text)
    return [e for e in found if parsed.flags <= set(flags(e))]


def _ordered(found: list[Experience], parsed: ViatorSearch) -> list[Experience]:
    keys: dict[str, Callable[[Experience], float]] = {
        "PRICE": lambda e: float(e.listings[VIATOR].price_eur),
        "TRAVELER_RATING": lambda e: e.listings[VIATOR].rating or 0.0,
        "ITINERARY_DURATION": lambda e: float(e.listings[VIATOR].minutes_from),
        "DATE_ADDED": lambda e: float(e.index),
    }
    key = keys.get(parsed.sort)
    if key is None:
        return found
    return sorted(found, key=key, reverse=parsed.descending)

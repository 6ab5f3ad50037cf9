"""Amadeus Flight Offers Search handlers: ``GET`` and ``POST /v2/shopping/flight-offers``."""

from __future__ import annotations

import orjson
from aiohttp import web

from guidera_grpc.sandbox.amadeus import errors
from guidera_grpc.sandbox.amadeus.auth import SUPPLIER, check_bearer
from guidera_grpc.sandbox.amadeus.orders import remember_offers
from guidera_grpc.sandbox.amadeus.query import AmadeusSearch, from_body, from_query
from guidera_grpc.sandbox.amadeus.render import max_price_ok, search_response
from guidera_grpc.sandbox.flights.catalog import find_offers
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import BadParameter, json_response, now_utc


async def search_get(request: web.Request) -> web.StreamResponse:
    """Search by query string."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    try:
        parsed = from_query(request.query)
    except BadParameter as bad:
        return errors.invalid_format(bad.field, bad.detail)
    return _answer(request, parsed)


async def search_post(request: web.Request) -> web.StreamResponse:
    """Search by JSON body (sent with ``X-HTTP-Method-Override: GET``, which is optional here)."""
    denied = check_bearer(request)
    if denied is not None:
        return denied
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return errors.invalid_format("/", "the body is not valid JSON", in_body=True)
    try:
        parsed = from_body(body)
    except BadParameter as bad:
        return errors.invalid_format(bad.field, bad.detail, in_body=True)
    return _answer(request, parsed)


def _answer(request: web.Request, parsed: AmadeusSearch) -> web.StreamResponse:
    knobs = request.config_dict[SANDBOX].knobs[SUPPLIER]
    limit = min(parsed.max_offers, knobs.offers)
    offers = [
        offer
        for offer in find_offers(SUPPLIER, parsed.search, limit)
        if max_price_ok(offer, parsed.currency, parsed.max_price)
    ]
    body = search_response(offers, parsed, str(request.url))
    remember_offers(request, body["data"], offers, parsed.currency, now_utc())
    return json_response(body, content_type="application/vnd.amadeus+json")

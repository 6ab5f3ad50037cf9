"""Kiwi.com search handler: ``GET /v2/search`` with the ``apikey`` header."""

from __future__ import annotations

from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.flights.catalog import find_offers
from guidera_grpc.sandbox.kiwi import errors
from guidera_grpc.sandbox.kiwi.query import from_query
from guidera_grpc.sandbox.kiwi.render import search_response
from guidera_grpc.sandbox.kiwi.tokens import remember_offers
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import BadParameter, json_response, now_utc

SUPPLIER = "kiwi"


def check_key(request: web.Request) -> web.StreamResponse | None:
    """The answer to a request without a known API key, or None when the key is right."""
    key = request.headers.get("apikey") or request.query.get("apikey")
    if not key:
        return errors.missing_key()
    if key != SANDBOX_CREDENTIALS["kiwi_api_key"]:
        return errors.unknown_key()
    return None


async def search(request: web.Request) -> web.StreamResponse:
    """Search one way or round trip over date ranges."""
    denied = check_key(request)
    if denied is not None:
        return denied
    try:
        parsed = from_query(request.query)
    except BadParameter as bad:
        return errors.invalid(bad.field, bad.detail)
    knobs = request.config_dict[SANDBOX].knobs[SUPPLIER]
    offers = find_offers(SUPPLIER, parsed.search, min(parsed.limit, knobs.offers))
    now = now_utc()
    body = search_response(list(offers), parsed, now)
    remember_offers(request, body["data"], offers, parsed.currency, now)
    return json_response(body)

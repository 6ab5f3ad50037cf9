"""Duffel search handler: ``POST /air/offer_requests``.

Answers 201 with the offer request and, unless ``return_offers=false``, its offers inline,
priced in the currency of the first origin's country (USD where the sandbox has none).
"""

from __future__ import annotations

import orjson
from aiohttp import web

from guidera_grpc.sandbox.duffel import errors
from guidera_grpc.sandbox.duffel.auth import check_headers
from guidera_grpc.sandbox.duffel.offers import remember_offers
from guidera_grpc.sandbox.duffel.query import DuffelSearch, MissingField, from_request
from guidera_grpc.sandbox.duffel.ratelimit import RATE_WINDOW
from guidera_grpc.sandbox.duffel.render import offer_request
from guidera_grpc.sandbox.flights.catalog import find_offers
from guidera_grpc.sandbox.flights.money import CURRENCIES, Currency, local_currency
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import BadParameter, json_response, now_utc

SUPPLIER = "duffel"


async def create_offer_request(request: web.Request) -> web.StreamResponse:
    """Search: validate headers and body, then answer with offers."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return errors.invalid_request(
            "malformed_json", "Malformed JSON", "The request body is not valid JSON"
        )
    try:
        parsed = from_request(request.query, body)
    except MissingField as missing:
        return errors.validation_error(missing.field, missing.detail, missing=True)
    except BadParameter as bad:
        if bad.field in ("return_offers", "supplier_timeout"):
            return errors.invalid_request("invalid_parameter", "Invalid parameter", str(bad))
        return errors.validation_error(bad.field, bad.detail)
    return _answer(request, parsed)


def _answer(request: web.Request, parsed: DuffelSearch) -> web.StreamResponse:
    knobs = request.config_dict[SANDBOX].knobs[SUPPLIER]
    offers = find_offers(SUPPLIER, parsed.search, knobs.offers) if parsed.return_offers else ()
    currency = _selling_currency(parsed)
    now = now_utc()
    data = offer_request(parsed, list(offers), currency, now)
    remember_offers(request, data["offers"], offers, currency, now)
    rid = errors.request_id()
    headers = {"x-request-id": rid, **request.app[RATE_WINDOW].headers()}
    return json_response({"data": data}, status=201, headers=headers)


def _selling_currency(parsed: DuffelSearch) -> Currency:
    first = parsed.search.slices[0].origins[0]
    return local_currency(first.country) or CURRENCIES["USD"]

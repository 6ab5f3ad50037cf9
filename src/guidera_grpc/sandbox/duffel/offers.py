"""Duffel offers found again: ``GET /air/offers/{id}``, and remembering the offers a search gave.

The search keeps each rendered offer under its ``off_`` id (see ``sandbox.offer_store``); a
get re-prices it with the knobs' dice. An id the sandbox never gave, or gave more than
``OFFER_LIFETIME`` ago, is 404 ``not_found``; a sold-out offer is 422 ``airline_error`` /
``offer_no_longer_available``, the code Duffel uses for an offer the airline no longer sells.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from guidera_grpc.sandbox.duffel import errors
from guidera_grpc.sandbox.duffel.auth import check_headers
from guidera_grpc.sandbox.duffel.render import OFFER_LIFETIME
from guidera_grpc.sandbox.flights.catalog import Offer
from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.offer_store import OFFERS, StoredOffer
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import json_response, now_utc, utc_iso

SUPPLIER = "duffel"


def remember_offers(
    request: web.Request,
    rendered: Sequence[dict[str, Any]],
    offers: Sequence[Offer],
    currency: Currency,
    now: datetime,
) -> None:
    """Keep each rendered offer under its id, beside the catalog offer it came from."""
    store = request.app[OFFERS]
    for document, offer in zip(rendered, offers, strict=True):
        store.put(document["id"], StoredOffer(offer, currency, now, document))


def current_offer(request: web.Request, offer_id: str) -> StoredOffer | web.Response:
    """The offer still on sale under ``offer_id``, or the error Duffel answers instead."""
    stored = request.app[OFFERS].get(offer_id)
    if stored is None or now_utc() - stored.issued_at > OFFER_LIFETIME:
        return errors.error(
            404, "invalid_request_error", "not_found", "Not found", "The offer does not exist"
        )
    if stored.sold_out:
        return no_longer_available()
    return stored


def no_longer_available() -> web.Response:
    """422: the airline no longer sells the offer."""
    return errors.error(
        422,
        "airline_error",
        "offer_no_longer_available",
        "Offer no longer available",
        "The airline no longer sells this offer; search again",
    )


def priced_document(stored: StoredOffer) -> dict[str, Any]:
    """The offer as rendered by the search, with today's amounts."""
    quote = stored.current().quote(stored.currency)
    document = dict(stored.document)
    document["total_amount"] = format_amount(quote.total, stored.currency)
    document["base_amount"] = format_amount(quote.base, stored.currency)
    document["tax_amount"] = format_amount(quote.taxes, stored.currency)
    document["updated_at"] = utc_iso(now_utc())
    return document


async def get_offer(request: web.Request) -> web.StreamResponse:
    """``GET /air/offers/{id}``: the offer re-priced now."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    found = current_offer(request, request.match_info["offer_id"])
    if isinstance(found, web.Response):
        return found
    knobs = request.config_dict[SANDBOX].knobs[SUPPLIER]
    stored = request.app[OFFERS].reprice(found, knobs)
    if stored.sold_out:
        return no_longer_available()
    return json_response({"data": priced_document(stored)}, headers=_request_id())


def _request_id() -> dict[str, str]:
    return {"x-request-id": errors.request_id()}

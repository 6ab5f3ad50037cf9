"""Duffel emulator: offer requests with inline offers, Duffel's headers, errors and rate limits;
offers found again by id, orders (instant or hold) and their cancellation.

Mounted under ``/duffel``; an adapter's base URL is ``http://HOST:PORT/duffel``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.duffel import errors
from guidera_grpc.sandbox.duffel.cancellations import (
    QUOTES,
    CancellationQuotes,
    confirm_cancellation,
    create_cancellation,
)
from guidera_grpc.sandbox.duffel.offers import get_offer
from guidera_grpc.sandbox.duffel.orders import create_order, get_order, list_orders
from guidera_grpc.sandbox.duffel.ratelimit import RATE_WINDOW, RateWindow
from guidera_grpc.sandbox.duffel.search import create_offer_request
from guidera_grpc.sandbox.offer_store import OFFERS, OfferStore
from guidera_grpc.sandbox.supplier import SupplierSpec

OFFER_REQUESTS_PATH = "/air/offer_requests"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (
        web.post(OFFER_REQUESTS_PATH, create_offer_request),
        web.get("/air/offers/{offer_id}", get_offer, allow_head=False),
        web.post("/air/orders", create_order),
        web.get("/air/orders", list_orders, allow_head=False),
        web.get("/air/orders/{order_id}", get_order, allow_head=False),
        web.post("/air/order_cancellations", create_cancellation),
        web.post(
            "/air/order_cancellations/{cancellation_id}/actions/confirm", confirm_cancellation
        ),
    )


def _setup(app: web.Application) -> None:
    app[RATE_WINDOW] = RateWindow()
    app[OFFERS] = OfferStore("duffel")
    app[QUOTES] = CancellationQuotes()


DUFFEL = SupplierSpec(
    code="duffel",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
    setup=_setup,
)

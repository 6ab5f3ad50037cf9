"""Amadeus Self-Service emulator: OAuth2 client credentials, Flight Offers and Hotel Search,
Flight Offers Price and Flight Orders (see ``amadeus.orders``).

Mounted under ``/amadeus``; an adapter's base URL is ``http://HOST:PORT/amadeus``. The token
endpoint is exempt from the knobs so that fault tests hit the search, not the login.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.amadeus import errors
from guidera_grpc.sandbox.amadeus.auth import TOKENS, TokenStore, issue_token
from guidera_grpc.sandbox.amadeus.hotels import hotel_routes
from guidera_grpc.sandbox.amadeus.orders import (
    create_order,
    delete_order,
    get_order,
    list_orders,
    price_offers,
)
from guidera_grpc.sandbox.amadeus.search import search_get, search_post
from guidera_grpc.sandbox.offer_store import OFFERS, OfferStore
from guidera_grpc.sandbox.supplier import SupplierSpec

TOKEN_PATH = "/v1/security/oauth2/token"
FLIGHT_OFFERS_PATH = "/v2/shopping/flight-offers"
FLIGHT_ORDERS_PATH = "/v1/booking/flight-orders"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (
        web.post(TOKEN_PATH, issue_token),
        web.get(FLIGHT_OFFERS_PATH, search_get, allow_head=False),
        web.post(FLIGHT_OFFERS_PATH, search_post),
        *hotel_routes(),
        web.post("/v1/shopping/flight-offers/pricing", price_offers),
        web.post(FLIGHT_ORDERS_PATH, create_order),
        web.get(FLIGHT_ORDERS_PATH, list_orders, allow_head=False),
        web.get(f"{FLIGHT_ORDERS_PATH}/{{order_id}}", get_order, allow_head=False),
        web.delete(f"{FLIGHT_ORDERS_PATH}/{{order_id}}", delete_order),
    )


def _setup(app: web.Application) -> None:
    app[TOKENS] = TokenStore()
    app[OFFERS] = OfferStore("amadeus")


AMADEUS = SupplierSpec(
    code="amadeus",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
    exempt_from_knobs=frozenset({f"POST {TOKEN_PATH}"}),
    setup=_setup,
)

"""Amadeus Self-Service emulator: OAuth2 client credentials, Flight Offers and Hotel Search.

Mounted under ``/amadeus``; an adapter's base URL is ``http://HOST:PORT/amadeus``. The token
endpoint is exempt from the knobs so that fault tests hit the search, not the login.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.amadeus import errors
from guidera_grpc.sandbox.amadeus.auth import TOKENS, TokenStore, issue_token
from guidera_grpc.sandbox.amadeus.hotels import hotel_routes
from guidera_grpc.sandbox.amadeus.search import search_get, search_post
from guidera_grpc.sandbox.supplier import SupplierSpec

TOKEN_PATH = "/v1/security/oauth2/token"
FLIGHT_OFFERS_PATH = "/v2/shopping/flight-offers"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (
        web.post(TOKEN_PATH, issue_token),
        web.get(FLIGHT_OFFERS_PATH, search_get, allow_head=False),
        web.post(FLIGHT_OFFERS_PATH, search_post),
        *hotel_routes(),
    )


def _setup(app: web.Application) -> None:
    app[TOKENS] = TokenStore()


AMADEUS = SupplierSpec(
    code="amadeus",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
    exempt_from_knobs=frozenset({f"POST {TOKEN_PATH}"}),
    setup=_setup,
)

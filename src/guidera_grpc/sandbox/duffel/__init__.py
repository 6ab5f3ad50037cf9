"""Duffel emulator: offer requests with inline offers, Duffel's headers, errors and rate limits.

Mounted under ``/duffel``; an adapter's base URL is ``http://HOST:PORT/duffel``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.duffel import errors
from guidera_grpc.sandbox.duffel.ratelimit import RATE_WINDOW, RateWindow
from guidera_grpc.sandbox.duffel.search import create_offer_request
from guidera_grpc.sandbox.supplier import SupplierSpec

OFFER_REQUESTS_PATH = "/air/offer_requests"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (web.post(OFFER_REQUESTS_PATH, create_offer_request),)


def _setup(app: web.Application) -> None:
    app[RATE_WINDOW] = RateWindow()


DUFFEL = SupplierSpec(
    code="duffel",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
    setup=_setup,
)

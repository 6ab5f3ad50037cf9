"""Viator Partner API v2 emulator: searches, destinations, availability and bookings, key auth.

Mounted under ``/viator``; an adapter's base URL is ``http://HOST:PORT/viator``, as it would
be ``https://api.viator.com/partner``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.supplier import SupplierSpec
from guidera_grpc.sandbox.viator import errors
from guidera_grpc.sandbox.viator.bookings import booking_routes
from guidera_grpc.sandbox.viator.search import (
    search_freetext,
    search_products,
    taxonomy_destinations,
)

PRODUCTS_SEARCH_PATH = "/products/search"
FREETEXT_SEARCH_PATH = "/search/freetext"
DESTINATIONS_PATH = "/v1/taxonomy/destinations"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (
        web.post(PRODUCTS_SEARCH_PATH, search_products),
        web.post(FREETEXT_SEARCH_PATH, search_freetext),
        web.get(DESTINATIONS_PATH, taxonomy_destinations, allow_head=False),
        *booking_routes(),
    )


VIATOR = SupplierSpec(
    code="viator",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
)

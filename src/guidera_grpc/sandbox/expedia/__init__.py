"""Expedia Rapid v3 emulator: geography (regions), property content and shopping.

Mounted under ``/expedia``; an adapter's base URL is ``http://HOST:PORT/expedia``. Every call
is signed (``Authorization: EAN APIKey=…,Signature=…,timestamp=…``, see ``auth``).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.expedia import errors
from guidera_grpc.sandbox.expedia.availability import availability
from guidera_grpc.sandbox.expedia.content import content
from guidera_grpc.sandbox.expedia.itineraries import itinerary_routes
from guidera_grpc.sandbox.expedia.pricecheck import PRICE_CHECK_PATH, price_check
from guidera_grpc.sandbox.expedia.regions import regions
from guidera_grpc.sandbox.supplier import SupplierSpec

REGIONS_PATH = "/v3/regions"
CONTENT_PATH = "/v3/properties/content"
AVAILABILITY_PATH = "/v3/properties/availability"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (
        web.get(REGIONS_PATH, regions, allow_head=False),
        web.get(CONTENT_PATH, content, allow_head=False),
        web.get(AVAILABILITY_PATH, availability, allow_head=False),
        web.get(PRICE_CHECK_PATH, price_check, allow_head=False),
        *itinerary_routes(),
    )


EXPEDIA = SupplierSpec(
    code="expedia",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
)

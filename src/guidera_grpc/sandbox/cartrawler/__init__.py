"""CarTrawler OTA emulator: car availability in JSON-OTA, with the client id in the body.

Mounted under ``/cartrawler``; an adapter's base URL is ``http://HOST:PORT/cartrawler`` and it
posts to ``/cartrawlerota/json?type=OTA_VehAvailRateRQ``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.cartrawler import errors
from guidera_grpc.sandbox.cartrawler.search import search
from guidera_grpc.sandbox.supplier import SupplierSpec

OTA_PATH = "/cartrawlerota/json"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (web.post(OTA_PATH, search),)


CARTRAWLER = SupplierSpec(
    code="cartrawler",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
)

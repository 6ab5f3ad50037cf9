"""CarTrawler OTA emulator: availability and reservations in JSON-OTA, client id in the body.

Mounted under ``/cartrawler``; an adapter's base URL is ``http://HOST:PORT/cartrawler`` and it
posts to ``/cartrawlerota/json?type=OTA_VehAvailRateRQ`` (``reservations`` routes the
booking messages sent to the same path).
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.cartrawler import errors
from guidera_grpc.sandbox.cartrawler.reservations import ota_message, setup
from guidera_grpc.sandbox.supplier import SupplierSpec

OTA_PATH = "/cartrawlerota/json"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (web.post(OTA_PATH, ota_message),)


CARTRAWLER = SupplierSpec(
    code="cartrawler",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
    setup=setup,
)

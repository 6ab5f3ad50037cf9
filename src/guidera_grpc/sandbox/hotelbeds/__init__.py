"""Hotelbeds APItude emulator: Hotel Booking API availability and the Activities API.

Mounted under ``/hotelbeds``; an adapter's base URL is ``http://HOST:PORT/hotelbeds``. Every
call is signed (``Api-key`` and ``X-Signature``, see ``auth``); the hotel and activities suites
have keys of their own.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.hotelbeds import errors
from guidera_grpc.sandbox.hotelbeds.activities import activity_routes
from guidera_grpc.sandbox.hotelbeds.bookings import booking_routes
from guidera_grpc.sandbox.hotelbeds.hotels import availability
from guidera_grpc.sandbox.supplier import SupplierSpec

HOTELS_PATH = "/hotel-api/1.0/hotels"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (web.post(HOTELS_PATH, availability), *booking_routes(), *activity_routes())


HOTELBEDS = SupplierSpec(
    code="hotelbeds",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
)

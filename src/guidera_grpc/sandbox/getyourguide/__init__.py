"""GetYourGuide Partner API emulator: tour search, availabilities, bookings and carts.

Mounted under ``/getyourguide``; an adapter's base URL is ``http://HOST:PORT/getyourguide``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.getyourguide import errors
from guidera_grpc.sandbox.getyourguide.bookings import booking_routes
from guidera_grpc.sandbox.getyourguide.search import list_tours, tour_availabilities
from guidera_grpc.sandbox.supplier import SupplierSpec

TOURS_PATH = "/1/tours"
AVAILABILITIES_PATH = "/1/tours/{tour_id:\\d+}/availabilities"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (
        web.get(TOURS_PATH, list_tours, allow_head=False),
        web.get(AVAILABILITIES_PATH, tour_availabilities, allow_head=False),
        *booking_routes(),
    )


GETYOURGUIDE = SupplierSpec(
    code="getyourguide",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
)

"""Kiwi.com Tequila emulator: flight search with date ranges and virtual interlining, and the
booking flow (check_flights, save_booking, confirm_payment; see ``kiwi.booking``).

Mounted under ``/kiwi``; an adapter's base URL is ``http://HOST:PORT/kiwi``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.kiwi import errors
from guidera_grpc.sandbox.kiwi.booking import (
    SESSIONS,
    Sessions,
    cancel_booking,
    check_flights,
    confirm_payment,
    list_bookings,
    save_booking,
)
from guidera_grpc.sandbox.kiwi.search import search
from guidera_grpc.sandbox.offer_store import OFFERS, OfferStore
from guidera_grpc.sandbox.supplier import SupplierSpec

SEARCH_PATH = "/v2/search"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (
        web.get(SEARCH_PATH, search, allow_head=False),
        web.get("/v2/booking/check_flights", check_flights, allow_head=False),
        web.post("/v2/booking/save_booking", save_booking),
        web.post("/v2/booking/confirm_payment", confirm_payment),
        web.get("/v2/booking/bookings", list_bookings, allow_head=False),
        web.post("/v2/booking/cancel_booking", cancel_booking),
    )


def _setup(app: web.Application) -> None:
    app[OFFERS] = OfferStore("kiwi")
    app[SESSIONS] = Sessions()


KIWI = SupplierSpec(
    code="kiwi",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
    setup=_setup,
)

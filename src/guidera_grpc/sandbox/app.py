"""The sandbox application: every supplier emulator under its prefix, plus the control API."""

from __future__ import annotations

import asyncio

from aiohttp import web

from guidera_grpc.sandbox import control
from guidera_grpc.sandbox.amadeus import AMADEUS
from guidera_grpc.sandbox.bookings import BOOKINGS, BookingLedger
from guidera_grpc.sandbox.cartrawler import CARTRAWLER
from guidera_grpc.sandbox.duffel import DUFFEL
from guidera_grpc.sandbox.expedia import EXPEDIA
from guidera_grpc.sandbox.faults import FaultInjector
from guidera_grpc.sandbox.getyourguide import GETYOURGUIDE
from guidera_grpc.sandbox.hotelbeds import HOTELBEDS
from guidera_grpc.sandbox.kiwi import KIWI
from guidera_grpc.sandbox.knobs import SUPPLIERS, KnobBoard, Knobs
from guidera_grpc.sandbox.state import SANDBOX, SandboxState
from guidera_grpc.sandbox.stats import Stats
from guidera_grpc.sandbox.supplier import SupplierSpec, supplier_app
from guidera_grpc.sandbox.viator import VIATOR

#: Mounted emulators, in the order of ``knobs.SUPPLIERS``.
EMULATORS: tuple[SupplierSpec, ...] = (
    AMADEUS,
    DUFFEL,
    KIWI,
    EXPEDIA,
    HOTELBEDS,
    GETYOURGUIDE,
    VIATOR,
    CARTRAWLER,
)


def build_app(knobs: Knobs | None = None) -> web.Application:
    """The root application and its state.

    Serve it with ``handler_cancellation=True`` so that clients hanging up are noticed.
    """
    board = KnobBoard(knobs or Knobs())
    stats = Stats(SUPPLIERS)
    closing = asyncio.Event()
    app = web.Application()
    app[SANDBOX] = SandboxState(board, stats, FaultInjector(board, stats, closing), closing)
    app[BOOKINGS] = BookingLedger()
    for spec in EMULATORS:
        app.add_subapp(f"/{spec.code}", supplier_app(spec))
    app.add_routes(control.routes())
    return app

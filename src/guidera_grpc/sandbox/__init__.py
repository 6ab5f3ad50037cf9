"""Emulated travel suppliers on loopback HTTP: same wire formats, deterministic inventory, knobs.

``start_sandbox()`` serves every supplier under its own prefix on one port: Amadeus (flights
and hotels), Duffel and Kiwi.com (flights), Expedia Rapid and Hotelbeds (hotels; Hotelbeds
also activities), GetYourGuide and Viator (experiences) and CarTrawler (cars), with a control
API under ``/_sandbox``. Knobs set latency, errors, 429s, hangs and result sizes per supplier,
from flags (``parse_knob_flags``) or at run time.
"""

from __future__ import annotations

from guidera_grpc.sandbox.app import EMULATORS, build_app
from guidera_grpc.sandbox.knobs import (
    REALISTIC,
    SUPPLIERS,
    KnobBoard,
    Knobs,
    Latency,
    SupplierKnobs,
    parse_knob_flags,
)
from guidera_grpc.sandbox.server import RunningSandbox, start_sandbox
from guidera_grpc.sandbox.stats import RequestRecord, Stats

__all__ = [
    "EMULATORS",
    "REALISTIC",
    "SUPPLIERS",
    "KnobBoard",
    "Knobs",
    "Latency",
    "RequestRecord",
    "RunningSandbox",
    "Stats",
    "SupplierKnobs",
    "build_app",
    "parse_knob_flags",
    "start_sandbox",
]

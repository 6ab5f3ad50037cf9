"""Emulated travel suppliers on loopback HTTP: same wire formats, deterministic inventory, knobs.

``start_sandbox()`` serves Amadeus, Duffel and Kiwi.com under ``/amadeus``, ``/duffel`` and
``/kiwi`` on one port, with a control API under ``/_sandbox``. Knobs set latency, errors,
429s, hangs and result sizes per supplier, from flags (``parse_knob_flags``) or at run time.
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

"""Kiwi.com Tequila emulator: flight search with date ranges and virtual interlining.

Mounted under ``/kiwi``; an adapter's base URL is ``http://HOST:PORT/kiwi``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from guidera_grpc.sandbox.kiwi import errors
from guidera_grpc.sandbox.kiwi.search import search
from guidera_grpc.sandbox.supplier import SupplierSpec

SEARCH_PATH = "/v2/search"


def _routes() -> Iterable[web.AbstractRouteDef]:
    return (web.get(SEARCH_PATH, search, allow_head=False),)


KIWI = SupplierSpec(
    code="kiwi",
    routes=_routes,
    server_error=errors.server_error,
    rate_limited=errors.rate_limited,
    not_found=errors.not_found,
)

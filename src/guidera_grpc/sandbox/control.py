"""The sandbox's own HTTP endpoints under ``/_sandbox``: knobs, reset, stats, request log.

``GET /_sandbox/knobs``; ``PUT /_sandbox/knobs/{supplier}`` with a JSON object of the fields
to change (``{"latency": "200-800ms", "error_rate": 0.5}``; supplier ``all`` changes every
one); ``POST /_sandbox/reset``; ``GET /_sandbox/stats``; ``GET /_sandbox/requests`` (optional
``?supplier=``); ``GET /_sandbox/bookings`` (optional ``?supplier=``); ``GET /_sandbox/health``.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
from aiohttp import web

from guidera_grpc.sandbox.bookings import BOOKINGS
from guidera_grpc.sandbox.knobs import SUPPLIERS
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import json_response

PREFIX = "/_sandbox"


async def health(request: web.Request) -> web.StreamResponse:
    """Whether the sandbox answers, and which suppliers it emulates."""
    return json_response({"status": "ok", "suppliers": list(SUPPLIERS)})


async def get_knobs(request: web.Request) -> web.StreamResponse:
    """Every supplier's knobs."""
    return json_response(request.app[SANDBOX].knobs.current.to_json())


async def put_knobs(request: web.Request) -> web.StreamResponse:
    """Change some knobs of one supplier (or ``all``)."""
    supplier = request.match_info["supplier"]
    try:
        changes = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return _bad_request("the body is not valid JSON")
    if not isinstance(changes, Mapping):
        return _bad_request("the body must be a JSON object of knob names and values")
    board = request.app[SANDBOX].knobs
    try:
        board.update(supplier, changes)
    except ValueError as error:
        status = 404 if supplier not in (*SUPPLIERS, "all") else 400
        return json_response({"error": str(error)}, status=status)
    if supplier == "all":
        return json_response(board.current.to_json())
    return json_response(board[supplier].to_json())


async def reset(request: web.Request) -> web.StreamResponse:
    """Start-up knobs again; counters and log emptied."""
    request.app[SANDBOX].reset()
    request.app[BOOKINGS].clear()
    return json_response({"status": "reset"})


async def stats(request: web.Request) -> web.StreamResponse:
    """Counters per supplier and endpoint."""
    return json_response(request.app[SANDBOX].stats.snapshot())


async def requests(request: web.Request) -> web.StreamResponse:
    """Logged requests in arrival order."""
    supplier = request.query.get("supplier")
    records = request.app[SANDBOX].stats.requests(supplier)
    return json_response({"requests": [record.to_json() for record in records]})


async def bookings(request: web.Request) -> web.StreamResponse:
    """Bookings the emulators made, oldest first (optional ``?supplier=``)."""
    supplier = request.query.get("supplier")
    listed = [b for b in request.app[BOOKINGS] if supplier is None or b.supplier == supplier]
    return json_response({"bookings": [booking.to_json() for booking in listed]})


def _bad_request(message: str) -> web.Response:
    return json_response({"error": message}, status=400)


def routes() -> list[web.RouteDef]:
    """The control endpoints, to add to the root application."""
    return [
        web.get(f"{PREFIX}/health", health, allow_head=False),
        web.get(f"{PREFIX}/knobs", get_knobs, allow_head=False),
        web.put(f"{PREFIX}/knobs/{{supplier}}", put_knobs),
        web.post(f"{PREFIX}/reset", reset),
        web.get(f"{PREFIX}/stats", stats, allow_head=False),
        web.get(f"{PREFIX}/requests", requests, allow_head=False),
        web.get(f"{PREFIX}/bookings", bookings, allow_head=False),
    ]

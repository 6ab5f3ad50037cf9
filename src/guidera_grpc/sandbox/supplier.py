"""What every supplier emulator provides, and the sub-application that serves it.

An emulator is a set of routes plus the supplier's own bodies for the faults the knobs inject
(server error, rate limit) and for unknown paths. Each is mounted under ``/<code>`` as an
aiohttp sub-application whose middleware counts requests, applies the knobs (before the
emulator answers, and to how its answer goes out), and notices clients that hang up before the
answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from guidera_grpc.sandbox.faults import ErrorBody, RateLimitBody
from guidera_grpc.sandbox.state import SANDBOX

UNMATCHED = "(unmatched)"
_UNMATCHED_ROUTE = "unmatched"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SupplierSpec:
    """One emulated supplier: its code, routes, and its own fault and not-found answers."""

    code: str
    routes: Callable[[], Iterable[web.AbstractRouteDef]]
    server_error: ErrorBody
    rate_limited: RateLimitBody
    not_found: ErrorBody
    exempt_from_knobs: frozenset[str] = field(default_factory=frozenset)
    """Endpoints (``"POST /v1/..."``) the knobs leave alone, such as token issuance."""
    setup: Callable[[web.Application], None] | None = None
    """Puts the supplier's own state (issued tokens ...) on its sub-application."""


def supplier_app(spec: SupplierSpec) -> web.Application:
    """The sub-application serving one supplier, to mount under ``/<code>``."""
    app = web.Application(middlewares=[_metering(spec)])
    if spec.setup is not None:
        spec.setup(app)
    app.add_routes(list(spec.routes()))

    async def unmatched(request: web.Request) -> web.StreamResponse:
        return spec.not_found(request)

    app.router.add_route("*", "/{tail:.*}", unmatched, name=_UNMATCHED_ROUTE)
    return app


def _endpoint(request: web.Request, code: str) -> str:
    route = request.match_info.route
    if route.name == _UNMATCHED_ROUTE:
        return f"{request.method} {UNMATCHED}"
    canonical = route.resource.canonical if route.resource else request.path
    return f"{request.method} {canonical.removeprefix('/' + code)}"


def _metering(spec: SupplierSpec) -> Middleware:
    @web.middleware
    async def metering(request: web.Request, handler: Handler) -> web.StreamResponse:
        sandbox = request.config_dict[SANDBOX]
        endpoint = _endpoint(request, spec.code)
        record = sandbox.stats.received(spec.code, request.method, request.path, endpoint)
        started = time.monotonic()
        try:
            if endpoint in spec.exempt_from_knobs:
                response = await handler(request)
            else:
                response = await sandbox.faults.answer(spec.code, request, record, spec, handler)
        except asyncio.CancelledError:
            sandbox.stats.disconnected(record)
            log.debug(
                "sandbox client went away",
                extra={"fields": {"supplier": spec.code, "endpoint": endpoint}},
            )
            raise
        except web.HTTPException as exc:
            sandbox.stats.completed(record, exc.status)
            raise
        sandbox.stats.completed(record, response.status)
        log.debug(
            "sandbox answered",
            extra={
                "fields": {
                    "supplier": spec.code,
                    "endpoint": endpoint,
                    "status": record.status,
                    "outcome": record.outcome,
                    "ms": round((time.monotonic() - started) * 1000, 1),
                    "fault": record.fault,
                }
            },
        )
        return response

    return metering

"""Expedia Rapid error bodies: ``{type, message, fields?, errors?}``.

Nested ``errors`` carry a dotted type (``checkin.invalid_date_format``) and the ``fields`` at
fault, each with its ``name``, its ``type`` (``querystring``, ``header``, ``body``) and the
``value`` sent. Throttling sets the rate-limit headers Rapid answers with.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from guidera_grpc.sandbox.wire import json_response


def error(
    status: int,
    kind: str,
    message: str,
    *,
    fields: list[dict[str, str]] | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A Rapid error answer."""
    body: dict[str, Any] = {"type": kind, "message": message}
    if fields:
        body["fields"] = fields
    if errors:
        body["errors"] = errors
    return json_response(body, status=status, headers=headers)


def field(name: str, value: str, kind: str = "querystring") -> dict[str, str]:
    """One ``fields`` entry."""
    return {"name": name, "type": kind, "value": value}


def invalid_input(name: str, problem: str, message: str, value: str = "") -> web.Response:
    """400 ``invalid_input`` with one nested error about one query parameter."""
    nested = {
        "type": f"{name}.{problem}",
        "message": message,
        "fields": [field(name, value)],
    }
    return error(
        400,
        "invalid_input",
        "An invalid request was sent in, please check the nested errors for details.",
        errors=[nested],
    )


def server_error(request: web.Request) -> web.StreamResponse:
    """500 ``unknown_internal_error``."""
    return error(500, "unknown_internal_error", "An internal server error has occurred.")


def unavailable(request: web.Request) -> web.StreamResponse:
    """503 ``service_unavailable``."""
    return error(
        503, "service_unavailable", "This service is currently unavailable, try again later."
    )


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """429 ``too_many_requests``, with the minute window's reset in epoch milliseconds."""
    reset_ms = int((time.time() + retry_after_s) * 1000)
    headers = {
        "Rate-Limit-Minute": "500",
        "Rate-Limit-Minute-Remaining": "0",
        "Rate-Limit-Minute-Reset": str(reset_ms),
    }
    return error(
        429,
        "too_many_requests",
        "Too many requests have been sent in a given amount of time, slow down.",
        headers=headers,
    )


def not_found(request: web.Request) -> web.StreamResponse:
    """404 ``resource_not_found``."""
    return error(404, "resource_not_found", "The requested resource could not be found.")

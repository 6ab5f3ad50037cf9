"""Amadeus error bodies: the flat OAuth format, and ``{"errors": [...]}`` for everything else.

Amadeus's own documentation shows ``code`` and ``status`` sometimes as strings; the missing
Authorization header answer does so here, so clients meet both forms.
"""

from __future__ import annotations

from aiohttp import web

from guidera_grpc.sandbox.wire import json_response

INVALID_FORMAT = 477
INVALID_CLIENT = 38187
INTERNAL_ERROR = 38189
INVALID_TOKEN = 38190
INVALID_HEADER = 38191
EXPIRED_TOKEN = 38192
TOO_MANY_REQUESTS = 38194
NOT_FOUND = 38196


def issue(
    status: int,
    code: int,
    title: str,
    detail: str,
    *,
    parameter: str | None = None,
    pointer: str | None = None,
    as_strings: bool = False,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A response holding one Amadeus issue."""
    body: dict[str, object] = {
        "status": str(status) if as_strings else status,
        "code": str(code) if as_strings else code,
        "title": title,
        "detail": detail,
    }
    if parameter is not None:
        body["source"] = {"parameter": parameter}
    elif pointer is not None:
        body["source"] = {"pointer": pointer}
    return json_response({"errors": [body]}, status=status, headers=headers)


def oauth_error(status: int, error: str, description: str) -> web.Response:
    """The flat body of the token endpoint."""
    body = {
        "error": error,
        "error_description": description,
        "code": INVALID_CLIENT,
        "title": "Invalid parameters",
    }
    return json_response(body, status=status)


def invalid_format(field: str, detail: str, *, in_body: bool = False) -> web.Response:
    """400 INVALID FORMAT naming the query parameter (or body pointer) at fault."""
    if in_body:
        return issue(400, INVALID_FORMAT, "INVALID FORMAT", detail, pointer=field)
    return issue(400, INVALID_FORMAT, "INVALID FORMAT", detail, parameter=field)


def server_error(request: web.Request) -> web.StreamResponse:
    """500 Internal error."""
    return issue(500, INTERNAL_ERROR, "Internal error", "An internal error occurred, try again")


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """429 Too many requests, with a Retry-After header."""
    return issue(
        429,
        TOO_MANY_REQUESTS,
        "Too many requests",
        "The network rate limit is exceeded, slow down and try again",
        headers={"Retry-After": str(retry_after_s)},
    )


def not_found(request: web.Request) -> web.StreamResponse:
    """404 Resource not found."""
    return issue(404, NOT_FOUND, "Resource not found", "The targeted resource does not exist")

"""Kiwi.com Tequila error bodies: ``{"status": "<reason phrase>", "error": "<message>"}``.

A request without an ``apikey`` header gets a plain-text 403, as some clients have seen; an
unknown key gets the JSON 400 "unknown partner provided". Clients must handle both.
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web

from guidera_grpc.sandbox.wire import json_response

UNKNOWN_PARTNER = (
    "unknown partner provided - if you would like to cooperate with Kiwi.com, "
    "please register at tequila.kiwi.com"
)


def error(status: int, message: str, *, headers: dict[str, str] | None = None) -> web.Response:
    """A Kiwi JSON error."""
    body = {"status": HTTPStatus(status).phrase, "error": message}
    return json_response(body, status=status, headers=headers)


def invalid(field: str, detail: str) -> web.Response:
    """400 for a request parameter that does not validate."""
    return error(400, f"couldn't validate request parameters: [{field}: {detail}]")


def missing_key() -> web.Response:
    """403 in plain text, for a request without an API key."""
    return web.Response(status=403, text="unknown partner provided", content_type="text/plain")


def unknown_key() -> web.Response:
    """400 JSON, for a key the sandbox does not know."""
    return error(400, UNKNOWN_PARTNER)


def server_error(request: web.Request) -> web.StreamResponse:
    """500 JSON."""
    return error(500, "internal error, please try again later")


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """429 JSON with Retry-After."""
    return error(
        429,
        "rate limit exceeded, slow down",
        headers={"Retry-After": str(retry_after_s)},
    )


def not_found(request: web.Request) -> web.StreamResponse:
    """404 JSON."""
    return error(404, "the requested endpoint does not exist")

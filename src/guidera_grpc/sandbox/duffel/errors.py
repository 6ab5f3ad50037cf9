"""Duffel error bodies: ``{"meta": {status, request_id}, "errors": [...]}`` and rate headers.

Every response carries ``x-request-id``; rate-limited ones add ``ratelimit-*`` headers whose
reset is an HTTP-date, as Duffel sends them, plus ``Retry-After``.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from guidera_grpc.sandbox.wire import http_date, json_response, now_utc, random_base62

DOCS = "https://duffel.com/docs/api/overview/errors"
RATE_LIMIT = 120


def request_id() -> str:
    """A fresh request id like Duffel's."""
    return random_base62(20)


def error(
    status: int,
    kind: str,
    code: str,
    title: str,
    message: str,
    *,
    source: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A response holding one Duffel error."""
    rid = request_id()
    item: dict[str, object] = {
        "type": kind,
        "code": code,
        "title": title,
        "message": message,
        "documentation_url": DOCS,
    }
    if source is not None:
        item["source"] = source
    body = {"meta": {"status": status, "request_id": rid}, "errors": [item]}
    return json_response(body, status=status, headers={"x-request-id": rid, **(headers or {})})


def validation_error(pointer: str, message: str, *, missing: bool = False) -> web.Response:
    """422 for a field in the request body, named by JSON pointer from ``data``."""
    field = pointer.rstrip("/").rsplit("/", 1)[-1]
    code, title = (
        ("validation_required", "Field is required")
        if missing
        else ("validation_format", "Field is invalid")
    )
    return error(
        422,
        "validation_error",
        code,
        title,
        message,
        source={"field": field, "pointer": pointer},
    )


def invalid_request(code: str, title: str, message: str) -> web.Response:
    """400 invalid_request_error."""
    return error(400, "invalid_request_error", code, title, message)


def unauthorized() -> web.Response:
    """401 authentication_error."""
    return error(
        401,
        "authentication_error",
        "unauthorized",
        "Unauthorized",
        "The access token was not provided or is not valid",
    )


def server_error(request: web.Request) -> web.StreamResponse:
    """500 api_error."""
    return error(
        500,
        "api_error",
        "internal_server_error",
        "Internal server error",
        "Something went wrong; contact support with the request_id",
    )


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """429 rate_limit_error with ratelimit-* headers."""
    reset = now_utc() + timedelta(seconds=retry_after_s)
    return error(
        429,
        "rate_limit_error",
        "rate_limit_exceeded",
        "Rate limit exceeded",
        "Too many requests; retry after the time in the ratelimit-reset header",
        headers={
            "ratelimit-limit": str(RATE_LIMIT),
            "ratelimit-remaining": "0",
            "ratelimit-reset": http_date(reset),
            "Retry-After": str(retry_after_s),
        },
    )


def not_found(request: web.Request) -> web.StreamResponse:
    """404 for a path Duffel does not have."""
    return error(
        404, "invalid_request_error", "not_found", "Not found", "The resource does not exist"
    )

"""Viator error answers: ``{code, message, timestamp, trackingId}`` with an ``X-Unique-ID``.

A key Viator does not know is echoed back in the message ("Access denied for API key: ..."),
as the real API does, so adapters must scrub it. A request without the version in its
``Accept`` header gets 400 ``INVALID_HEADER_VALUE``; one asking for another version gets 406.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from guidera_grpc.sandbox.wire import json_response, now_utc

UNIQUE_ID_HEADER = "X-Unique-ID"


def unique_id() -> str:
    """A fresh id for the ``X-Unique-ID`` header (and the error's tracking id)."""
    return str(uuid.uuid4()).upper()


def error(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    """One Viator error."""
    tracking = unique_id()
    moment = now_utc()
    body = {
        "code": code,
        "message": message,
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}Z",
        "trackingId": tracking,
    }
    return json_response(
        body, status=status, headers={UNIQUE_ID_HEADER: tracking, **(headers or {})}
    )


def bad_request(message: str) -> web.Response:
    """400 BAD_REQUEST."""
    return error(400, "BAD_REQUEST", message)


def unauthorized(key: str | None) -> web.Response:
    """401 for a missing key, or one Viator does not know (echoed back)."""
    if not key:
        return error(401, "UNAUTHORIZED", "Missing API key in the exp-api-key header")
    return error(401, "UNAUTHORIZED", f"Access denied for API key: {key}")


def invalid_accept(value: str | None) -> web.Response:
    """400 for an ``Accept`` header without ``version=2.0``."""
    shown = value if value else "(none)"
    return error(
        400,
        "INVALID_HEADER_VALUE",
        f"Invalid header value for Accept: {shown}; send Accept: application/json;version=2.0",
    )


def not_acceptable() -> web.Response:
    """406 for a version of the API this host does not serve."""
    return error(406, "NOT_ACCEPTABLE", "Not acceptable")


def server_error(request: web.Request) -> web.StreamResponse:
    """500 INTERNAL_SERVER_ERROR."""
    return error(500, "INTERNAL_SERVER_ERROR", "An unexpected error occurred")


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """429 TOO_MANY_REQUESTS with ``Retry-After``."""
    return error(
        429,
        "TOO_MANY_REQUESTS",
        "Too many requests; the limit is 150 requests per 10 seconds",
        headers={"Retry-After": str(retry_after_s)},
    )


def not_found(request: web.Request) -> web.StreamResponse:
    """404 NOT_FOUND."""
    return error(404, "NOT_FOUND", "Resource not found")

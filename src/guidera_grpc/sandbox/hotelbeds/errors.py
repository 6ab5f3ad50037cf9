"""Hotelbeds APItude error bodies: the API's ``{auditData, error{code, message}}`` and the
gateway's short ``{"error": text}``.

Throttling is the gateway's: a 403 "Developer Over QPS" told apart from the other 403s by its
``X-Mashery-Error-Code`` header, with a ``Retry-After``. The API's own refusals carry a code
(``INVALID_REQUEST``, ``INVALID_DATA``, ``SYSTEM_ERROR``) and a message.
"""

from __future__ import annotations

import secrets
import time

from aiohttp import web

from guidera_grpc.sandbox.hotelbeds.auth import gateway_error
from guidera_grpc.sandbox.wire import json_response, now_utc

INVALID_REQUEST = "INVALID_REQUEST"
INVALID_DATA = "INVALID_DATA"
SYSTEM_ERROR = "SYSTEM_ERROR"


def audit_data(started: float | None = None) -> dict[str, object]:
    """The ``auditData`` block every API answer starts with."""
    elapsed_ms = round((time.monotonic() - started) * 1000) if started is not None else 1
    stamp = now_utc().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return {
        "processTime": str(elapsed_ms),
        "timestamp": stamp,
        "requestHost": "127.0.0.1",
        "serverId": "sandbox.guidera.local",
        "environment": "[sandbox, guidera]",
        "release": "3d9fb55d",
        "token": secrets.token_hex(16).upper(),
        "internal": "0|sandbox",
    }


def api_error(status: int, code: str, message: str) -> web.Response:
    """An error of the API itself, after the gateway let the call through."""
    body = {"auditData": audit_data(), "error": {"code": code, "message": message}}
    return json_response(body, status=status)


def invalid_request(message: str) -> web.Response:
    """400 for a request whose shape is wrong."""
    return api_error(400, INVALID_REQUEST, message)


def invalid_data(message: str) -> web.Response:
    """400 for a request whose values are wrong."""
    return api_error(400, INVALID_DATA, message)


def server_error(request: web.Request) -> web.StreamResponse:
    """500 SYSTEM_ERROR."""
    return api_error(500, SYSTEM_ERROR, "An internal error has occurred. Please try again later.")


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """The gateway's 403 Developer Over QPS, with Retry-After."""
    response = gateway_error(403, "Developer Over QPS", "ERR_403_DEVELOPER_OVER_QPS")
    response.headers["Retry-After"] = str(retry_after_s)
    return response


def not_found(request: web.Request) -> web.StreamResponse:
    """The gateway's 404 for a path no API serves."""
    return gateway_error(404, "Service Not Found", "ERR_404_SERVICE_NOT_FOUND")

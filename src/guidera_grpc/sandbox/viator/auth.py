"""Viator's header checks: the ``exp-api-key`` first, then the API version in ``Accept``."""

from __future__ import annotations

import hmac

from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.viator import errors

KEY_HEADER = "exp-api-key"
VERSION = "2.0"


def check_key(request: web.Request) -> web.StreamResponse | None:
    """The 401 a request without the right key gets, or None."""
    key = request.headers.get(KEY_HEADER, "").strip()
    expected = SANDBOX_CREDENTIALS["viator_api_key"]
    if not key or not hmac.compare_digest(key.encode(), expected.encode()):
        return errors.unauthorized(key or None)
    return None


def check_headers(request: web.Request) -> web.StreamResponse | None:
    """The error a request with a bad key or without ``version=2.0`` in ``Accept`` gets."""
    denied = check_key(request)
    if denied is not None:
        return denied
    accept = request.headers.get("Accept")
    version = accept_version(accept)
    if version is None:
        return errors.invalid_accept(accept)
    if version != VERSION:
        return errors.not_acceptable()
    return None


def accept_version(accept: str | None) -> str | None:
    """The ``version`` parameter of a JSON media range in ``Accept``, if any."""
    for media_range in (accept or "").split(","):
        kind, *params = (part.strip() for part in media_range.split(";"))
        if kind.lower() not in ("application/json", "application/*", "*/*"):
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "version":
                return value.strip().strip('"')
    return None

"""Duffel's header checks: a bearer access token, then a supported ``Duffel-Version``."""

from __future__ import annotations

from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.duffel import errors

VERSION = "v2"


def check_headers(request: web.Request) -> web.StreamResponse | None:
    """The error a request with a bad token or version gets, or None when both are right."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or token.strip() != SANDBOX_CREDENTIALS["duffel_access_token"]:
        return errors.unauthorized()
    version = request.headers.get("Duffel-Version")
    if version is None:
        return errors.invalid_request(
            "missing_version_header",
            "Missing Duffel-Version header",
            "The Duffel-Version header is required; send Duffel-Version: v2",
        )
    if version.strip() != VERSION:
        return errors.invalid_request(
            "unsupported_version",
            "Unsupported Duffel-Version",
            f"Duffel-Version {version!r} is not supported; send Duffel-Version: v2",
        )
    return None

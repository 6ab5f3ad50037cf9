"""Amadeus OAuth2 client credentials: the token endpoint and the bearer check of API calls.

Tokens live in memory for ``token_ttl_s`` (1799 s unless the knob says otherwise), so a client
can be made to meet an expired token and refresh it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.amadeus import errors
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import json_response

TokenState = Literal["valid", "unknown", "expired"]
SUPPLIER = "amadeus"


@dataclass(slots=True)
class TokenStore:
    """Access tokens issued, with their expiry on the monotonic clock."""

    expiries: dict[str, float] = field(default_factory=dict)

    def issue(self, ttl_s: int) -> str:
        """A new token valid for ``ttl_s`` seconds; expired ones are forgotten."""
        now = time.monotonic()
        self.expiries = {token: ends for token, ends in self.expiries.items() if ends > now - 3600}
        token = secrets.token_urlsafe(21)
        self.expiries[token] = now + ttl_s
        return token

    def state(self, token: str) -> TokenState:
        """Whether the token is valid, expired, or was never issued."""
        ends = self.expiries.get(token)
        if ends is None:
            return "unknown"
        return "valid" if time.monotonic() < ends else "expired"


TOKENS = web.AppKey("amadeus_tokens", TokenStore)


async def issue_token(request: web.Request) -> web.StreamResponse:
    """``POST /v1/security/oauth2/token`` (form-encoded client credentials)."""
    form = await request.post()
    if form.get("grant_type") != "client_credentials":
        return errors.oauth_error(
            400,
            "unsupported_grant_type",
            "Only client_credentials value is allowed for the body parameter grant_type",
        )
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if (
        client_id != SANDBOX_CREDENTIALS["amadeus_client_id"]
        or client_secret != SANDBOX_CREDENTIALS["amadeus_client_secret"]
    ):
        return errors.oauth_error(401, "invalid_client", "Client credentials are invalid")
    ttl = request.config_dict[SANDBOX].knobs[SUPPLIER].token_ttl_s
    token = request.app[TOKENS].issue(ttl)
    return json_response(
        {
            "type": "amadeusOAuth2Token",
            "username": "sandbox@guidera.example",
            "application_name": "guidera-sandbox",
            "client_id": client_id,
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": ttl,
            "state": "approved",
            "scope": "",
        }
    )


def check_bearer(request: web.Request) -> web.StreamResponse | None:
    """The 401 an API call without a valid token gets, or None when the token is good."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return errors.issue(
            401,
            errors.INVALID_HEADER,
            "Invalid HTTP header",
            "Missing or invalid format for mandatory Authorization header",
            as_strings=True,
        )
    state = request.app[TOKENS].state(token.strip())
    if state == "unknown":
        return errors.issue(
            401,
            errors.INVALID_TOKEN,
            "Invalid access token",
            "The access token provided in the Authorization header is invalid",
        )
    if state == "expired":
        return errors.issue(
            401,
            errors.EXPIRED_TOKEN,
            "Access token expired",
            "The access token is expired",
        )
    return None

"""Rapid's signature check: ``Authorization: EAN APIKey=…,Signature=…,timestamp=…``.

The signature is the hex SHA-512 of the API key, the shared secret and the Unix timestamp;
the names in the header may be in any case. A timestamp more than five minutes from the
server's clock fails like a wrong signature, and the 401 echoes what was sent next to the
server's own timestamp so that the caller can see the skew.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Final

from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.expedia.errors import error, field

CLOCK_SKEW_S: Final = 300
UNAUTHENTICATED_MESSAGE: Final = (
    "Data required to authenticate your request is missing or inaccurate. "
    "Ensure that your request follows the guidelines in our documentation."
)


def check_signature(request: web.Request) -> web.Response | None:
    """The 401 of a badly signed request, or None when the signature is good."""
    sent = _signature_parts(request.headers.get("Authorization", ""))
    api_key = sent.get("apikey", "")
    signature = sent.get("signature", "").lower()
    timestamp = sent.get("timestamp", "")
    if _valid(api_key, signature, timestamp):
        return None
    fields = [
        field("apikey", api_key, "header"),
        field("signature", signature, "header"),
        field("timestamp", timestamp, "header"),
        field("servertimestamp", str(int(time.time())), "server"),
    ]
    return error(401, "request_unauthenticated", UNAUTHENTICATED_MESSAGE, fields=fields)


def expected_signature(api_key: str, secret: str, timestamp: str) -> str:
    """The hex SHA-512 of key, secret and timestamp."""
    return hashlib.sha512(f"{api_key}{secret}{timestamp}".encode()).hexdigest()


def _signature_parts(header: str) -> dict[str, str]:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.upper() != "EAN":
        return {}
    parts = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        parts[name.strip().lower()] = value.strip()
    return parts


def _valid(api_key: str, signature: str, timestamp: str) -> bool:
    known_key = SANDBOX_CREDENTIALS["expedia_api_key"]
    if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > CLOCK_SKEW_S:
        return False
    if not hmac.compare_digest(api_key.encode(), known_key.encode()):
        return False
    wanted = expected_signature(known_key, SANDBOX_CREDENTIALS["expedia_shared_secret"], timestamp)
    return hmac.compare_digest(signature.encode(), wanted.encode())

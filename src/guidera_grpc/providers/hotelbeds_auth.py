"""Hotelbeds APItude request signing, shared by the hotel and activities adapters.

Every call carries the suite's API key and ``X-Signature``: the hex SHA-256 of the key, the
secret and the current Unix time in seconds, made afresh for each request.
"""

from __future__ import annotations

import hashlib
import time


def hotelbeds_signature(api_key: str, secret: str, unix_s: int) -> str:
    """The hex SHA-256 of ``api_key + secret + unix_s``."""
    return hashlib.sha256(f"{api_key}{secret}{unix_s}".encode()).hexdigest()


def hotelbeds_headers(api_key: str, secret: str, now: float | None = None) -> dict[str, str]:
    """The headers of one signed APItude JSON call, at ``now`` (Unix seconds) or the present."""
    unix_s = int(time.time() if now is None else now)
    return {
        "Api-key": api_key,
        "X-Signature": hotelbeds_signature(api_key, secret, unix_s),
        "Accept": "application/json",
        "Accept-Encoding": "gzip",
        "Content-Type": "application/json",
    }

"""The one HTTP client session the adapters share."""

from __future__ import annotations

import aiohttp


def open_http_session(timeout_s: float) -> aiohttp.ClientSession:
    """A pooled session that never retries on its own.

    aiohttp silently sends a GET again when a pooled connection is reset before any answer;
    that would be a hidden second retry layer under the guard's, which must see and count
    every attempt. aiohttp offers no public switch for it, only this attribute.
    """
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=200, ttl_dns_cache=300),
        timeout=aiohttp.ClientTimeout(total=timeout_s),
    )
    session._retry_connection = False
    return session

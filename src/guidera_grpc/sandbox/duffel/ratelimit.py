"""Duffel's rate-limit headers on every answer: a fixed window per minute, counted per process.

The sandbox only reports the window; whether a request is refused is the ``rate_429`` knob's
decision, not this counter's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from guidera_grpc.sandbox.duffel.errors import RATE_LIMIT
from guidera_grpc.sandbox.wire import http_date, now_utc

WINDOW = timedelta(minutes=1)


@dataclass(slots=True)
class RateWindow:
    """Requests counted in the current one-minute window."""

    started: datetime | None = None
    used: int = 0

    def headers(self) -> dict[str, str]:
        """Count one request and return the ``ratelimit-*`` headers for its answer."""
        now = now_utc()
        if self.started is None or now - self.started >= WINDOW:
            self.started, self.used = now.replace(second=0, microsecond=0), 0
        self.used += 1
        return {
            "ratelimit-limit": str(RATE_LIMIT),
            "ratelimit-remaining": str(max(0, RATE_LIMIT - self.used)),
            "ratelimit-reset": http_date(self.started + WINDOW),
        }


RATE_WINDOW = web.AppKey("duffel_rate_window", RateWindow)

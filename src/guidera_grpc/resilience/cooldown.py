"""Providers resting after a 429: no call goes to them until their Retry-After has passed."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Final

from guidera_grpc.resilience.errors import COOLDOWN, Block

#: No supplier is rested longer than this, whatever its Retry-After says.
MAX_COOLDOWN_S: Final = 3600.0


class Cooldowns:
    """When each provider that asked us to slow down may be called again."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        #: Told of every cooldown started here (to share it with the other replicas).
        self.on_start: Callable[[str, float], None] | None = None

    def start(self, provider: str, seconds: float) -> None:
        """Rest ``provider`` for ``seconds`` (an earlier, longer rest is kept)."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        seconds = min(seconds, MAX_COOLDOWN_S)
        self.adopt(provider, seconds)
        if self.on_start is not None:
            self.on_start(provider, seconds)

    def adopt(self, provider: str, seconds: float) -> None:
        """Rest ``provider`` for ``seconds`` because another replica was asked to."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        until = time.monotonic() + min(seconds, MAX_COOLDOWN_S)
        self._until[provider] = max(until, self._until.get(provider, until))

    def active(self) -> dict[str, float]:
        """Each provider resting now, with the seconds left."""
        now = time.monotonic()
        return {code: until - now for code, until in self._until.items() if until > now}

    def block(self, provider: str) -> Block | None:
        """The cooldown of ``provider`` while it lasts, else None."""
        until = self._until.get(provider)
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            del self._until[provider]
            return None
        return Block(COOLDOWN, f"asked to slow down (429): cooling down {left:.1f} s more", left)

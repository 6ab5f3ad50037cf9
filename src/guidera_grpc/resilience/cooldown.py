"""Providers resting after a 429: no call goes to them until their Retry-After has passed."""

from __future__ import annotations

import time
from collections.abc import Callable

from guidera_grpc.resilience.errors import COOLDOWN, Block


class Cooldowns:
    """When each provider that asked us to slow down may be called again."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        #: Told of every cooldown started here (to share it with the other replicas).
        self.on_start: Callable[[str, float], None] | None = None

    def start(self, provider: str, seconds: float) -> None:
        """Rest ``provider`` for ``seconds`` (an earlier, longer rest is kept)."""
        self.adopt(provider, seconds)
        if self.on_start is not None:
            self.on_start(provider, seconds)

    def adopt(self, provider: str, seconds: float) -> None:
        """Rest ``provider`` for ``seconds`` because another replica was asked to."""
        until = time.monotonic() + seconds
        self._until[provider] = max(until, self._until.get(provider, until))

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

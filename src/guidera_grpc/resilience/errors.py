"""Why the guard would not send a call, and the error that says so.

A ``Block`` names a reason with a stable code:

    CIRCUIT_OPEN         the provider's circuit is open, or its half-open trials are taken
    COOLDOWN             the supplier answered 429 with a Retry-After that has not passed
    RATE_LIMITED_LOCAL   our own per-minute or per-day limit of the provider is used up
    BUDGET               the budget gate refuses the call
    DEADLINE             too little of the request's time is left to start a call

``ProviderBlocked`` carries a block as a ``ProviderError`` that is never retried, so that the
executor reports the provider as skipped and turns to a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from guidera_grpc.providers.errors import ProviderError

BlockCode = Literal["CIRCUIT_OPEN", "COOLDOWN", "RATE_LIMITED_LOCAL", "BUDGET", "DEADLINE"]

CIRCUIT_OPEN: Final = "CIRCUIT_OPEN"
COOLDOWN: Final = "COOLDOWN"
RATE_LIMITED_LOCAL: Final = "RATE_LIMITED_LOCAL"
BUDGET: Final = "BUDGET"
DEADLINE: Final = "DEADLINE"


@dataclass(frozen=True, slots=True)
class Block:
    """One reason a provider may not be called now.

    ``retry_after_s`` is how long the block lasts when that is known (an open period, a
    cooldown, a rate-limit window); None when it lifts on an event (a trial call ending, a
    budget reset).
    """

    code: BlockCode
    reason: str
    retry_after_s: float | None = None


class ProviderBlocked(ProviderError):
    """The guard refused to send the call; nothing reached the supplier."""

    code = "BLOCKED"
    retryable = False

    def __init__(self, provider: str, block: Block) -> None:
        super().__init__(provider, block.reason)
        self.block = block
        self.code = block.code

    @property
    def retry_after_s(self) -> float | None:
        """How long the block lasts, when known."""
        return self.block.retry_after_s

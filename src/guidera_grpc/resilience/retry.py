"""Which failures are retried, how long to wait between attempts, and how many retries a
provider may get.

Retried: timeouts, refused or reset connections, 429 (unless a quota is used up), and 500,
502, 503 and 504. Every other failure is final. The wait doubles from the base to the cap with
random jitter, and is never shorter than a Retry-After the supplier asked for.

The retry budget keeps an outage from multiplying the load on a sick supplier: over a sliding
window, a provider's retries stay under a share of its calls, with a small floor so that a
lone call can still use its retries when traffic is light.
"""

from __future__ import annotations

import random
import time
from collections import deque
from dataclasses import dataclass
from typing import Final

from tenacity import RetryCallState

from guidera_grpc.config import Settings
from guidera_grpc.providers.errors import ProviderError, RateLimitedError, UpstreamError

#: Supplier statuses worth another attempt.
RETRYABLE_STATUSES: Final = frozenset({500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a failed call is tried again."""

    retries: int = 3
    base_s: float = 1.0
    max_s: float = 10.0
    budget_ratio: float = 0.2
    budget_min: int = 10
    budget_window_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy the settings describe."""
        return cls(
            retries=settings.retries,
            base_s=settings.retry_base_s,
            max_s=max(settings.retry_max_s, settings.retry_base_s),
            budget_ratio=settings.retry_budget_ratio,
            budget_min=settings.retry_budget_min,
            budget_window_s=settings.retry_budget_window_s,
        )


def is_retryable(error: BaseException) -> bool:
    """Whether another attempt might succeed where this one failed."""
    if not isinstance(error, ProviderError) or not error.retryable:
        return False
    if isinstance(error, UpstreamError):
        return error.http_status in RETRYABLE_STATUSES
    return True


def retry_after_of(error: BaseException | None) -> float | None:
    """The wait a rate-limited supplier asked for, in seconds, if it asked."""
    if isinstance(error, RateLimitedError) and error.retry_after:
        return error.retry_after
    return None


class Backoff:
    """Tenacity's wait: exponential with jitter, at least the supplier's Retry-After.

    After attempt n the wait is base × 2^(n-1) plus up to half the base at random, at most
    the cap: 1-1.5 s, 2-2.5 s, 4-4.5 s, then 8-8.5 s and 10 s with the defaults.
    """

    def __init__(self, policy: RetryPolicy) -> None:
        self._base_s = policy.base_s
        self._max_s = policy.max_s

    def __call__(self, state: RetryCallState) -> float:
        exponential = self._base_s * 2.0 ** (state.attempt_number - 1)
        jitter = random.uniform(0, self._base_s / 2)
        wait = min(exponential + jitter, self._max_s)
        error = state.outcome.exception() if state.outcome is not None else None
        return max(wait, retry_after_of(error) or 0.0)


class RetryBudget:
    """One provider's retries as a share of its recent calls."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._ratio = policy.budget_ratio
        self._floor = policy.budget_min
        self._window_s = policy.budget_window_s
        self._calls: deque[float] = deque()
        self._retries: deque[float] = deque()

    def note_call(self) -> None:
        """Count a call that is about to be sent for the first time."""
        self._calls.append(time.monotonic())

    def try_spend(self) -> bool:
        """Take one retry from the budget; False when none is left."""
        now = time.monotonic()
        self._forget_before(now - self._window_s)
        allowed = max(self._floor, self._ratio * len(self._calls))
        if len(self._retries) + 1 > allowed:
            return False
        self._retries.append(now)
        return True

    def _forget_before(self, horizon: float) -> None:
        for times in (self._calls, self._retries):
            while times and times[0] < horizon:
                times.popleft()

"""Each provider's per-minute and per-day limits, as moving windows (the limits library).

Without Redis the windows live in this process. With Redis every replica counts in the same
windows. When Redis cannot be reached, each replica falls back to a local window holding its
share of the limit (the limit divided by the number of replicas), says so once in the logs,
and tries Redis again a few seconds later.

A refused call is remembered until its window frees a slot, so that ``exhausted`` can answer
without any I/O on the routing path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import redis.asyncio as aioredis
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from guidera_grpc.resilience.errors import RATE_LIMITED_LOCAL, Block
from guidera_grpc.store.providers import ProviderProfile

log = logging.getLogger(__name__)

#: A Redis check taking longer than this counts as Redis being down.
REDIS_TIMEOUT_S: Final = 0.25
#: Until the first check succeeds: it also connects and loads the window's script, which on a
#: busy host can take longer than a check.
REDIS_FIRST_TIMEOUT_S: Final = 2.0
#: After a Redis failure, the local windows are used this long before Redis is tried again.
REDIS_RETRY_S: Final = 5.0

#: Per provider: calls a minute, and calls a day (None: no daily limit).
ProviderLimits = Mapping[str, tuple[int, int | None]]


def limits_from_profiles(profiles: Iterable[ProviderProfile]) -> dict[str, tuple[int, int | None]]:
    """The limits the registry states, as ``ProviderGuard`` takes them."""
    return {p.code: (p.rate_limit_per_minute, p.rate_limit_per_day) for p in profiles}


@dataclass(frozen=True, slots=True)
class _Quota:
    """One provider's windows: the whole limit (shared) and this replica's share (local)."""

    shared: tuple[RateLimitItem, ...]
    local: tuple[RateLimitItem, ...]


class RateLimits:
    """Counts calls to each provider against its limits before they are sent."""

    def __init__(
        self,
        limits_by_provider: ProviderLimits,
        *,
        redis_url: str | None = None,
        key_prefix: str = "guidera:limits",
        replicas: int = 1,
    ) -> None:
        self._replicas = max(1, replicas)
        self._quotas: dict[str, _Quota] = {}
        self._exhausted_until: dict[str, float] = {}
        self._memory = MemoryStorage()
        self._local = MovingWindowRateLimiter(self._memory)
        self._pool: aioredis.ConnectionPool | None = None
        self._shared: MovingWindowRateLimiter | None = None
        self._redis_retry_at = 0.0
        self._redis_down = False
        self._redis_answered = False
        if redis_url:
            self._pool, self._shared = _redis_limiter(redis_url, key_prefix)
        self.update(limits_by_provider)

    @property
    def shared(self) -> bool:
        """Whether the windows are currently shared through Redis."""
        return self._shared is not None and not self._redis_down

    def update(self, limits_by_provider: ProviderLimits) -> None:
        """Take new limits (the registry changed); counts so far are kept."""
        self._quotas = {
            provider: _quota(per_minute, per_day, self._replicas)
            for provider, (per_minute, per_day) in limits_by_provider.items()
        }

    def knows(self, provider: str) -> bool:
        """Whether the registry states limits for ``provider`` (every registered one)."""
        return provider in self._quotas

    def exhausted(self, provider: str) -> Block | None:
        """The block of a provider whose last call was refused, until a slot frees. No I/O."""
        until = self._exhausted_until.get(provider)
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            del self._exhausted_until[provider]
            return None
        return _block(left)

    async def acquire(self, provider: str) -> Block | None:
        """Count one call to ``provider``; a block instead when a limit is used up."""
        quota = self._quotas.get(provider)
        if quota is None:
            return None
        wait_s = await self._hit_shared(quota, provider)
        if wait_s is None:
            wait_s = await _hit(self._local, quota.local, provider)
        if wait_s == 0:
            return None
        self._exhausted_until[provider] = time.monotonic() + wait_s
        return _block(wait_s)

    async def close(self) -> None:
        """Stop the memory window's expiry task and close the Redis connections."""
        timer = self._memory.timer
        if timer is not None and not timer.done():
            timer.cancel()
        if self._pool is not None:
            await self._pool.aclose()

    async def _hit_shared(self, quota: _Quota, provider: str) -> float | None:
        """Seconds until a slot frees (0: counted), or None when Redis is not usable."""
        if self._shared is None or time.monotonic() < self._redis_retry_at:
            return None
        timeout_s = REDIS_TIMEOUT_S if self._redis_answered else REDIS_FIRST_TIMEOUT_S
        try:
            async with asyncio.timeout(timeout_s):
                wait_s = await _hit(self._shared, quota.shared, provider)
        except (StorageError, OSError, TimeoutError) as error:
            self._redis_lost(error)
            return None
        self._redis_answered = True
        self._redis_back()
        return wait_s

    def _redis_lost(self, error: Exception) -> None:
        self._redis_retry_at = time.monotonic() + REDIS_RETRY_S
        if not self._redis_down:
            self._redis_down = True
            log.warning(
                "rate limits: Redis unreachable, each replica keeps its share locally",
                extra={"fields": {"error": type(error).__name__, "replicas": self._replicas}},
            )

    def _redis_back(self) -> None:
        if self._redis_down:
            self._redis_down = False
            log.info("rate limits: shared through Redis again")


def _redis_limiter(
    redis_url: str, key_prefix: str
) -> tuple[aioredis.ConnectionPool, MovingWindowRateLimiter]:
    """A moving-window limiter over Redis (redis-py's asyncio client), on a pool we close."""
    pool = aioredis.ConnectionPool.from_url(
        redis_url, socket_timeout=REDIS_FIRST_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S
    )
    options: dict[str, Any] = {"connection_pool": pool}
    storage = RedisStorage(
        f"async+{redis_url}",
        implementation="redispy",
        key_prefix=key_prefix,
        wrap_exceptions=True,
        **options,
    )
    return pool, MovingWindowRateLimiter(storage)


def _quota(per_minute: int, per_day: int | None, replicas: int) -> _Quota:
    """Windows for the positive limits; a limit of 0 or less means none."""
    limits = [
        (RateLimitItemPerMinute, per_minute),
        (RateLimitItemPerDay, per_day or 0),
    ]
    shared = tuple(kind(amount) for kind, amount in limits if amount > 0)
    local = tuple(kind(max(1, amount // replicas)) for kind, amount in limits if amount > 0)
    return _Quota(shared, local)


async def _hit(
    limiter: MovingWindowRateLimiter, items: tuple[RateLimitItem, ...], provider: str
) -> float:
    """Count one call in every window; 0 when all allowed it, else seconds until one frees.

    The windows are hit in order (minute, then day): a call refused by the daily window has
    used a slot of the minute's, which errs on the side of sending less.
    """
    for item in items:
        if not await limiter.hit(item, provider):
            stats = await limiter.get_window_stats(item, provider)
            return max(stats.reset_time - time.time(), 0.001)
    return 0.0


def _block(left_s: float) -> Block:
    return Block(RATE_LIMITED_LOCAL, f"rate limit reached: a slot frees in {left_s:.1f} s", left_s)

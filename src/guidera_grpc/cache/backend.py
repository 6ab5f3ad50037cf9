"""A small byte cache over aiocache that never stands in a search's way.

In memory (bounded: the oldest entries go first) unless a Redis URL is configured. Redis calls
time out within milliseconds; when Redis is down or hanging the failure is logged once until
Redis answers again, searches go on live, and what Redis would not take is kept in this
process's memory, so the offers and pages a replica has just shown can still be re-priced,
booked and paged through on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

from aiocache import RedisCache, SimpleMemoryCache
from aiocache.serializers import BaseSerializer
from redis import asyncio as redis_asyncio

from guidera_grpc.errors import SharedCacheUnavailable

log = logging.getLogger(__name__)

#: Lookups slower than this count as failures: a cache must not slow a search down.
REDIS_TIMEOUT_S = 0.1
#: Writes happen after the client has its answer and carry whole result sets: they may take
#: longer, and a write given up leaves other replicas without the pages and offers.
REDIS_WRITE_TIMEOUT_S = 1.0
#: Bytes of entries the in-process cache holds at most (without Redis).
MEMORY_MAX_BYTES = 256 * 2**20
#: Bytes of entries Redis refused that a replica keeps in memory until Redis is back.
FALLBACK_MAX_BYTES = 64 * 2**20
#: After this many failures in a row Redis is left alone for ``REDIS_RETRY_AFTER_S``: a hung
#: server would otherwise cost every search its lookup and write timeouts, while one slow
#: answer on a busy host must not turn the shared cache off.
REDIS_FAILURES_TO_REST = 3
REDIS_RETRY_AFTER_S = 5.0
#: How long a purge may scan and delete before it is reported as not done.
PURGE_TIMEOUT_S = 10.0


class ByteCache(Protocol):
    """What the search cache needs of a backend."""

    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl_s: int) -> None: ...
    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl_s: int) -> None: ...
    async def purge(self) -> int: ...
    async def purge_prefix(self, prefix: str) -> int: ...
    async def close(self) -> None: ...

    @property
    def held_bytes(self) -> int:
        """Bytes of entries this process holds in its own memory."""
        ...


class _RawBytes(BaseSerializer):  # type: ignore[misc]
    """Stores bytes as they are."""

    DEFAULT_ENCODING = None

    def dumps(self, value: bytes) -> bytes:
        return value

    def loads(self, value: bytes | None) -> bytes | None:
        return value


class MemoryCache:
    """aiocache's in-process cache, bounded in bytes and in entries: past either bound the
    oldest entries go (a result page weighs a thousand times an offer, so a count alone would
    let memory grow by gigabytes)."""

    def __init__(self, max_bytes: int = MEMORY_MAX_BYTES, max_entries: int = 200_000) -> None:
        self._cache: Any = SimpleMemoryCache(serializer=_RawBytes())
        #: Each entry's size and the monotonic time it expires at, oldest entry first.
        self._sizes: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes
        self._max_entries = max_entries

    async def get(self, key: str) -> bytes | None:
        value = await self._cache.get(key)
        if value is None:
            self._forget(key)
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        await self.set_many([(key, value)], ttl_s)

    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl_s: int) -> None:
        """Store several entries in one call (each aiocache call has a fixed cost)."""
        if not items:
            return
        await self._cache.multi_set(items, ttl=ttl_s)
        expires = time.monotonic() + ttl_s if ttl_s > 0 else math.inf
        for key, value in items:
            self._forget(key)
            self._sizes[key] = (len(value), expires)
            self._bytes += len(value)
        while self._sizes and (
            self._bytes > self._max_bytes or len(self._sizes) > self._max_entries
        ):
            oldest, (size, _) = self._sizes.popitem(last=False)
            self._bytes -= size
            await self._cache.delete(oldest)

    @property
    def held_bytes(self) -> int:
        """Bytes of the live entries; forgets the expired ones, which aiocache has dropped."""
        now = time.monotonic()
        for key in [key for key, (_, expires) in self._sizes.items() if expires <= now]:
            self._forget(key)
        return self._bytes

    def _forget(self, key: str) -> None:
        entry = self._sizes.pop(key, None)
        if entry is not None:
            self._bytes -= entry[0]

    async def purge(self) -> int:
        count = len(self._sizes)
        await self._cache.clear()
        self._sizes.clear()
        self._bytes = 0
        return count

    async def purge_prefix(self, prefix: str) -> int:
        """Delete the entries whose key starts with ``prefix``; how many there were."""
        doomed = [key for key in self._sizes if key.startswith(prefix)]
        deleted = 0
        for key in doomed:
            deleted += int(await self._cache.delete(key))
            self._forget(key)
        return deleted

    async def close(self) -> None:
        await self.purge()


class RedisByteCache:
    """The same cache in Redis, shared by every replica, failing open.

    While Redis fails, entries under ``local_prefixes`` (a search's pages and offers) go to a
    bounded in-memory cache that lookups of those keys fall back to: what a replica has just
    shown must stay pageable and bookable on it. Search answers are not kept there, since a
    private copy would outlive purges and provider changes made on other replicas. A purge
    Redis cannot carry out is reported, and carried out once Redis answers again, so that no
    answer from before it comes back.
    """

    def __init__(
        self,
        url: str,
        namespace: str = "guidera",
        *,
        timeout_s: float = REDIS_TIMEOUT_S,
        write_timeout_s: float = REDIS_WRITE_TIMEOUT_S,
        local_prefixes: tuple[str, ...] = ("offer:", "results:"),
    ) -> None:
        self._write_timeout_s = max(write_timeout_s, timeout_s)

        def pool_from_url(**_ignored: Any) -> redis_asyncio.ConnectionPool:
            # The whole URL decides the connection, as it does for the rate limits and the
            # circuit sharing: TLS for rediss://, an ACL user name, a ?db= query.
            return redis_asyncio.ConnectionPool.from_url(
                url, decode_responses=False, socket_connect_timeout=timeout_s
            )

        self._cache: Any = RedisCache(
            serializer=_RawBytes(),
            namespace=namespace,
            timeout=timeout_s,
            connection_pool_class=pool_from_url,
        )
        self._namespace = namespace
        self._local_prefixes = local_prefixes
        self._failing = False
        self._failures_in_a_row = 0
        self._resting_until = 0.0
        self._fallback = MemoryCache(max_bytes=FALLBACK_MAX_BYTES)
        self._unpurged: set[str] = set()
        self._catching_up: asyncio.Task[None] | None = None

    def _resting(self) -> bool:
        return time.monotonic() < self._resting_until

    async def _local_get(self, key: str) -> bytes | None:
        if not key.startswith(self._local_prefixes):
            return None
        return await self._fallback.get(key)

    async def get(self, key: str) -> bytes | None:
        """The entry, or None when there is none. A search answer Redis cannot give is a miss;
        a page or an offer it cannot give, and this process does not hold, raises
        SharedCacheUnavailable: it may well exist, and "unknown or expired" would mislead."""
        if self._resting() or not self._caught_up(key):
            return await self._unreachable(key)
        try:
            value = await self._cache.get(key)
        except Exception as error:
            self._failed(error)
            return await self._unreachable(key)
        self._recovered()
        if isinstance(value, bytes):
            return value
        return await self._local_get(key)

    async def _unreachable(self, key: str) -> bytes | None:
        """What this process holds of ``key`` while Redis cannot be read."""
        value = await self._local_get(key)
        if value is None and key.startswith(self._local_prefixes):
            raise SharedCacheUnavailable("Redis did not answer; retry shortly")
        return value

    async def set(self, key: str, value: bytes, ttl_s: int) -> None:
        await self.set_many([(key, value)], ttl_s)

    async def set_many(self, items: Sequence[tuple[str, bytes]], ttl_s: int) -> None:
        """Store several entries in one round trip (MSET and the expiries, pipelined)."""
        if not items:
            return
        # What a waiting purge covers stays out of Redis until the purge is done, or the purge
        # would delete it; the rest goes to Redis unless Redis is resting.
        shared: list[tuple[str, bytes]] = []
        held: list[tuple[str, bytes]] = []
        for item in items:
            writable = not self._resting() and self._caught_up(item[0])
            (shared if writable else held).append(item)
        if shared:
            try:
                await self._cache.multi_set(shared, ttl=ttl_s, timeout=self._write_timeout_s)
            except Exception as error:
                self._failed(error)
                held = list(items)
            else:
                self._recovered()
        local = [item for item in held if item[0].startswith(self._local_prefixes)]
        await self._fallback.set_many(local, ttl_s)

    async def purge(self) -> int:
        """Empty this namespace; SharedCacheUnavailable when Redis could not be emptied."""
        return await self.purge_prefix("")

    async def purge_prefix(self, prefix: str) -> int:
        """Delete the entries whose key starts with ``prefix``; how many there were.
        SharedCacheUnavailable when Redis could not be purged (tried even while resting: a
        purge is an operator's explicit request); it is then retried when Redis is back."""
        deleted = await self._fallback.purge_prefix(prefix)
        try:
            deleted += await self._purge_redis(prefix)
        except Exception as error:
            self._failed(error)
            self._unpurged.add(prefix)
            # Retried from now on, not at this replica's next lookup, which may never come.
            self._start_catching_up()
            raise SharedCacheUnavailable("Redis did not answer; cached answers remain") from None
        self._recovered()
        return deleted

    async def _purge_redis(self, prefix: str) -> int:
        escaped = "".join(f"\\{c}" if c in "*?[]\\" else c for c in self._cache.build_key(prefix))
        deleted = 0
        # A hung Redis must not hold the operator's call until its deadline.
        async with asyncio.timeout(PURGE_TIMEOUT_S):
            async for key in self._cache.client.scan_iter(match=f"{escaped}*", count=500):
                deleted += int(await self._cache.client.delete(key))
        return deleted

    @property
    def held_bytes(self) -> int:
        """Bytes of the entries kept in this process while Redis would not take them."""
        return self._fallback.held_bytes

    async def close(self) -> None:
        if self._catching_up is not None:
            self._catching_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catching_up
        await self._fallback.close()
        try:
            await self._cache.close()
        except Exception as error:
            log.debug("closing the Redis cache failed: %s", type(error).__name__)

    def _failed(self, error: Exception) -> None:
        self._failures_in_a_row += 1
        if self._failures_in_a_row >= REDIS_FAILURES_TO_REST:
            self._resting_until = time.monotonic() + REDIS_RETRY_AFTER_S
        if not self._failing:
            log.warning(
                "Redis cache unavailable; searches go live until it answers",
                extra={"fields": {"error": type(error).__name__}},
            )
        self._failing = True

    def _recovered(self) -> None:
        if self._failing:
            log.info("Redis cache answers again")
        self._failing = False
        self._failures_in_a_row = 0

    def _caught_up(self, key: str | None = None) -> bool:
        """Whether no purge Redis could not do is waiting (that covers ``key``, when given).
        While one is, this makes sure they are being carried out in the background and says
        False, so that the caller neither waits for a purge of a hung Redis nor reads back
        anything it should remove."""
        if not self._unpurged:
            return True
        self._start_catching_up()
        return key is not None and not any(key.startswith(p) for p in self._unpurged)

    def _start_catching_up(self) -> None:
        """Carry out the waiting purges in the background, unless that is under way."""
        if self._catching_up is None or self._catching_up.done():
            self._catching_up = asyncio.create_task(self._catch_up(), name="redis-cache-purges")

    async def _catch_up(self) -> None:
        """Retry the waiting purges, one Redis rest apart, until all are done."""
        while self._unpurged:
            await asyncio.sleep(max(0.0, self._resting_until - time.monotonic()))
            prefix = min(self._unpurged)
            try:
                await self._purge_redis(prefix)
            except Exception as error:
                # Not counted against Redis: lookups and writes judge whether it answers, and
                # a purge it refuses (an ACL without SCAN) must not keep them away from it.
                log.debug("purge still not done: %s", type(error).__name__)
                await asyncio.sleep(REDIS_RETRY_AFTER_S)
                continue
            self._unpurged.discard(prefix)
            self._recovered()
            log.info("purge done now that Redis answers", extra={"fields": {"prefix": prefix}})


def open_cache(
    redis_url: str | None, namespace: str = "guidera", *, timeout_s: float = REDIS_TIMEOUT_S
) -> ByteCache:
    """Redis when a URL is given, else memory."""
    if not redis_url:
        return MemoryCache()
    return RedisByteCache(redis_url, namespace, timeout_s=timeout_s, write_timeout_s=timeout_s * 10)

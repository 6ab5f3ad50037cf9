"""Purging by key prefix in both cache backends: only the prefix's entries go."""

from __future__ import annotations

import secrets

from guidera_grpc.cache.backend import ByteCache, MemoryCache, RedisByteCache


async def _fill_and_purge(cache: ByteCache) -> None:
    await cache.set("search:flights:a", b"1", 60)
    await cache.set("search:hotels:b", b"2", 60)
    await cache.set("offer:c", b"3", 60)

    flights = await cache.purge_prefix("search:flights:")
    searches = await cache.purge_prefix("search:")

    assert flights == 1
    assert searches == 1
    assert await cache.get("search:hotels:b") is None
    assert await cache.get("offer:c") == b"3"


async def test_memory_cache_purges_a_prefix() -> None:
    """The in-process cache deletes the prefix's keys and counts them."""
    await _fill_and_purge(MemoryCache())


async def test_redis_cache_purges_a_prefix(redis_url: str) -> None:
    """The Redis cache deletes the prefix's keys within its namespace and counts them."""
    cache = RedisByteCache(redis_url, f"admin-test-{secrets.token_hex(4)}")
    try:
        await _fill_and_purge(cache)
    finally:
        await cache.purge()
        await cache.close()

"""The in-process cache stays within its byte budget, dropping the oldest entries first."""

from __future__ import annotations

import asyncio

from guidera_grpc.cache.backend import MemoryCache


async def test_the_oldest_entries_go_when_the_bytes_run_out() -> None:
    cache = MemoryCache(max_bytes=1000)
    await cache.set("first", b"a" * 400, 60)
    await cache.set("second", b"b" * 400, 60)
    await cache.set_many([("third", b"c" * 400)], 60)

    assert await cache.get("first") is None
    assert await cache.get("second") == b"b" * 400
    assert await cache.get("third") == b"c" * 400


async def test_replacing_an_entry_counts_its_new_size_only() -> None:
    cache = MemoryCache(max_bytes=1000)
    for _ in range(5):
        await cache.set("same", b"x" * 600, 60)
    await cache.set("other", b"y" * 300, 60)

    assert await cache.get("same") == b"x" * 600
    assert await cache.get("other") == b"y" * 300
    assert await cache.purge() == 2


async def test_held_bytes_count_live_entries_only() -> None:
    """What the cache reports holding follows sets, evictions, purges and expiry."""
    cache = MemoryCache(max_bytes=1000)
    await cache.set("short", b"s" * 100, 1)
    await cache.set_many([("a", b"a" * 400), ("b", b"b" * 400)], 60)
    assert cache.held_bytes == 900

    await cache.set("c", b"c" * 400, 60)
    assert cache.held_bytes == 800
    assert await cache.get("short") is None

    await cache.set("short", b"s" * 100, 1)
    await asyncio.sleep(1.1)
    assert cache.held_bytes == 800
    assert await cache.get("short") is None

    await cache.purge_prefix("b")
    assert cache.held_bytes == 400
    await cache.purge()
    assert cache.held_bytes == 0

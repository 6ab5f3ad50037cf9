"""The in-process cache stays within its byte budget, dropping the oldest entries first."""

from __future__ import annotations

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

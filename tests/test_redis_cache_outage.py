"""The Redis cache when Redis hangs or refuses: searches are not held up, purges say so."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from guidera_grpc.cache.backend import RedisByteCache
from guidera_grpc.errors import SharedCacheUnavailable


class HungRedis:
    """A TCP server that accepts connections, reads what comes and never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        while await reader.read(4096):
            pass
        writer.close()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


@pytest.fixture
async def hung_redis_url() -> AsyncIterator[tuple[HungRedis, str]]:
    server = HungRedis()
    port = await server.start()
    yield server, f"redis://127.0.0.1:{port}/0"
    await server.stop()


async def test_a_hung_redis_is_left_alone_after_its_first_timeout(
    hung_redis_url: tuple[HungRedis, str],
) -> None:
    """One lookup waits out its timeout; the next calls go straight to this process's memory
    instead of each waiting again, and what they store is found there."""
    server, url = hung_redis_url
    cache = RedisByteCache(url, f"guidera-test-{uuid.uuid4().hex[:8]}", timeout_s=0.05)
    try:
        assert await cache.get("results:a") is None
        for n in range(5):
            await cache.set_many([(f"results:{n}", b"page")], 60)
            assert await cache.get(f"results:{n}") == b"page"
    finally:
        await cache.close()

    assert server.connections == 1


async def test_a_purge_redis_cannot_answer_is_reported_not_claimed() -> None:
    cache = RedisByteCache("redis://127.0.0.1:1/0", "guidera-down", timeout_s=0.05)
    try:
        await cache.set_many([("search:flights:x", b"answer")], 60)
        with pytest.raises(SharedCacheUnavailable):
            await cache.purge_prefix("search:")
        # What this replica kept in memory is gone all the same.
        assert await cache.get("search:flights:x") is None
    finally:
        await cache.close()

"""The Redis cache when Redis hangs or refuses: searches are not held up, purges say so."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import asyncio as redis_asyncio

from guidera_grpc.cache.backend import REDIS_FAILURES_TO_REST, RedisByteCache
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


async def test_a_hung_redis_is_left_alone_after_a_few_timeouts(
    hung_redis_url: tuple[HungRedis, str],
) -> None:
    """A few calls wait out their timeouts; the rest go straight to this process's memory
    instead of each waiting again, and what they store is found there."""
    server, url = hung_redis_url
    cache = RedisByteCache(url, f"guidera-test-{uuid.uuid4().hex[:8]}", timeout_s=0.05)
    try:
        for n in range(10):
            await cache.set_many([(f"results:{n}", b"page")], 60)
            assert await cache.get(f"results:{n}") == b"page"
    finally:
        await cache.close()

    assert 1 <= server.connections <= REDIS_FAILURES_TO_REST


async def test_a_purge_redis_cannot_answer_is_reported_not_claimed() -> None:
    cache = RedisByteCache("redis://127.0.0.1:1/0", "guidera-down", timeout_s=0.05)
    try:
        await cache.set_many([("results:x", b"page")], 60)
        assert await cache.get("results:x") == b"page"
        with pytest.raises(SharedCacheUnavailable):
            await cache.purge_prefix("results:")
        # What this replica kept in memory is gone all the same; whether Redis still holds
        # it cannot be known, so the page is not said to be missing.
        with pytest.raises(SharedCacheUnavailable):
            await cache.get("results:x")
    finally:
        await cache.close()


async def test_search_answers_are_not_kept_privately_while_redis_is_down() -> None:
    cache = RedisByteCache("redis://127.0.0.1:1/0", "guidera-down", timeout_s=0.05)
    try:
        await cache.set_many([("search:flights:x", b"answer"), ("offer:y", b"offer")], 60)

        assert await cache.get("search:flights:x") is None
        assert await cache.get("offer:y") == b"offer"
        # An offer another replica stored may exist: not found would send the client away.
        with pytest.raises(SharedCacheUnavailable):
            await cache.get("offer:kept-elsewhere")
    finally:
        await cache.close()


@pytest.fixture
async def pausable_redis(tmp_path: Path) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """A Redis server of the test's own, which it can pause (SIGSTOP) like a hung one."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is needed for the Redis outage tests")
        pytest.skip("no redis-server on this machine")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        *(binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)),
        stdout=asyncio.subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis_asyncio.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                await client.ping()
                break
            except (OSError, redis_asyncio.ConnectionError):
                await asyncio.sleep(0.05)
        yield url, process
    finally:
        await client.aclose()
        process.send_signal(signal.SIGCONT)
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)


@dataclass
class RefusedPurge:
    """A cache whose purge of ``search:`` a hung Redis refused, Redis still paused."""

    cache: RedisByteCache
    redis: redis_asyncio.Redis
    namespace: str
    process: asyncio.subprocess.Process

    async def searches_in_redis(self) -> list[bytes | str]:
        """The search answers Redis holds, once the purge had up to ten seconds to run."""
        for _ in range(200):
            if not await self.redis.keys(f"{self.namespace}*search:*"):
                break
            await asyncio.sleep(0.05)
        keys: list[bytes | str] = await self.redis.keys(f"{self.namespace}*search:*")
        return keys


@pytest.fixture
async def refused_purge(
    pausable_redis: tuple[str, asyncio.subprocess.Process], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[RefusedPurge]:
    """An answer cached, Redis paused, then a purge of the answers refused."""
    monkeypatch.setattr("guidera_grpc.cache.backend.REDIS_RETRY_AFTER_S", 0.2)
    monkeypatch.setattr("guidera_grpc.cache.backend.PURGE_TIMEOUT_S", 0.3)
    url, process = pausable_redis
    namespace = f"guidera-test-{uuid.uuid4().hex[:8]}"
    cache = RedisByteCache(url, namespace, timeout_s=0.2)
    client = redis_asyncio.Redis.from_url(url)
    try:
        await cache.set_many([("search:flights:before", b"with kiwi")], 60)
        process.send_signal(signal.SIGSTOP)
        with pytest.raises(SharedCacheUnavailable):
            await cache.purge_prefix("search:")
        yield RefusedPurge(cache, client, namespace, process)
    finally:
        process.send_signal(signal.SIGCONT)
        await client.aclose()
        await cache.close()


async def test_a_purge_refused_during_a_hang_is_done_when_redis_answers(
    refused_purge: RefusedPurge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An answer cached before the hang does not come back after it: the purge asked for
    during the hang (a provider disabled, say) is carried out once Redis answers, and lookups
    miss until it is. Meanwhile no lookup waits for it, however long the purge may take."""
    cache = refused_purge.cache
    # A purge of a hung Redis may take long: lookups answer from memory meanwhile.
    monkeypatch.setattr("guidera_grpc.cache.backend.PURGE_TIMEOUT_S", 60.0)
    for _ in range(3):
        assert await asyncio.wait_for(cache.get("search:flights:before"), 5) is None
    monkeypatch.setattr("guidera_grpc.cache.backend.PURGE_TIMEOUT_S", 0.3)
    refused_purge.process.send_signal(signal.SIGCONT)

    assert await cache.get("search:flights:before") is None
    assert not await refused_purge.searches_in_redis()
    await cache.set_many([("search:flights:after", b"without kiwi")], 60)
    assert await cache.get("search:flights:after") == b"without kiwi"
    assert await cache.get("search:flights:before") is None


async def test_a_refused_purge_is_retried_without_waiting_for_a_lookup(
    refused_purge: RefusedPurge, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica that takes no traffic after its refused purge still carries it out once
    Redis answers; while a purge waits, what it does not cover is read and written in Redis."""
    cache, namespace = refused_purge.cache, refused_purge.namespace
    refused_purge.process.send_signal(signal.SIGCONT)

    assert not await refused_purge.searches_in_redis()

    # A purge Redis keeps refusing while it answers everything else (an ACL without
    # SCAN, say): what the purge covers stays out of Redis, the rest goes on as usual.
    async def refused(prefix: str) -> int:
        raise redis_asyncio.ResponseError("NOPERM this user has no permissions to run 'scan'")

    monkeypatch.setattr(cache, "_purge_redis", refused)
    with pytest.raises(SharedCacheUnavailable):
        await cache.purge_prefix("search:")
    await cache.set_many([("offer:kept", b"offer"), ("search:flights:new", b"answer")], 60)
    assert await refused_purge.redis.keys(f"{namespace}*offer:kept")
    assert not await refused_purge.redis.keys(f"{namespace}*search:*")
    assert await cache.get("offer:kept") == b"offer"
    assert await cache.get("search:flights:new") is None

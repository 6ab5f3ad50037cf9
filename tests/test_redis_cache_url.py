"""The Redis cache connects as its whole URL says: user name, password, database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from redis import asyncio as redis_asyncio

from guidera_grpc.cache.backend import RedisByteCache
from guidera_grpc.config import redis_address


@pytest.fixture
async def acl_user(redis_url: str) -> AsyncIterator[tuple[str, str]]:
    """A Redis ACL user of its own (name, password), removed afterwards."""
    admin = redis_asyncio.Redis.from_url(redis_url)
    name, password = f"guidera-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    await admin.acl_setuser(
        name, enabled=True, passwords=[f"+{password}"], keys=["*"], commands=["+@all"]
    )
    try:
        yield name, password
    finally:
        await admin.acl_deluser(name)
        await admin.aclose()


async def test_an_acl_user_in_the_url_is_the_one_that_logs_in(
    redis_url: str, acl_user: tuple[str, str]
) -> None:
    name, password = acl_user
    where = urlsplit(redis_url)
    url = f"redis://{name}:{password}@{where.hostname}:{where.port or 6379}/0"
    cache = RedisByteCache(url, f"guidera-test-{uuid.uuid4().hex[:8]}")
    try:
        await cache.set("k", b"v", 30)
        assert await cache.get("k") == b"v"
        # Through Redis, not the in-memory fallback for refused writes.
        assert await cache._fallback.get("k") is None
    finally:
        await cache.purge()
        await cache.close()


async def test_a_database_given_as_a_query_is_used(redis_url: str) -> None:
    where = urlsplit(redis_url)
    namespace = f"guidera-test-{uuid.uuid4().hex[:8]}"
    cache = RedisByteCache(f"redis://{where.hostname}:{where.port or 6379}/?db=11", namespace)
    probe = redis_asyncio.Redis.from_url(f"redis://{where.hostname}:{where.port or 6379}/11")
    try:
        await cache.set("k", b"v", 30)
        assert await probe.get(f"{namespace}:k") == b"v"
    finally:
        await cache.purge()
        await cache.close()
        await probe.aclose()


def test_the_logged_address_never_carries_credentials() -> None:
    assert redis_address("redis://app:s3cret@cache.internal:6380/2") == (
        "redis://cache.internal:6380/2"
    )
    assert redis_address("rediss://:s3cret@[::1]/5") == "rediss://[::1]:6379/5"
    assert redis_address("redis://127.0.0.1") == "redis://127.0.0.1:6379/0"

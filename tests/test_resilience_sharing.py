"""Circuit states and cooldowns shared through a real Redis: what one replica publishes the
other adopts, and nothing a message can hold stops the sharing or opens a circuit for ever."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import orjson
import pytest
import redis.asyncio as aioredis

from guidera_grpc.config import Settings
from guidera_grpc.resilience import ProviderGuard
from guidera_grpc.resilience.breaker import CLOSED, OPEN
from guidera_grpc.resilience.sharing import SharedResilience

LIMITS = {"duffel": (60, None), "kiwi": (60, None)}


@dataclass
class Replica:
    guard: ProviderGuard
    sharing: SharedResilience


@pytest.fixture
async def pair(redis_url: str) -> AsyncIterator[tuple[Replica, Replica, aioredis.Redis, str]]:
    """Two replicas' guards sharing one namespace, and a raw client on it."""
    namespace = f"sharing-{secrets.token_hex(4)}"
    replicas = [await _replica(redis_url, namespace, name) for name in ("a", "b")]
    client = aioredis.Redis.from_url(redis_url)
    yield replicas[0], replicas[1], client, namespace
    for replica in replicas:
        await replica.sharing.close()
        await replica.guard.close()
    async for key in client.scan_iter(match=f"{namespace}:*"):
        await client.delete(key)
    await client.aclose()


async def _replica(redis_url: str, namespace: str, name: str) -> Replica:
    """A guard whose circuit changes its sharing publishes, as the runtime wires them."""
    shared: list[SharedResilience] = []
    guard = ProviderGuard(
        Settings(), LIMITS, on_circuit_change=lambda change: shared[0].circuit_changed(change)
    )
    sharing = SharedResilience(guard, redis_url, namespace, name)
    shared.append(sharing)
    await sharing.start()
    assert await sharing.wait_connected(5)
    return Replica(guard, sharing)


async def _until(check: Callable[[], bool], timeout_s: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.02)
    return check()


async def test_a_circuit_forced_open_on_one_replica_opens_on_the_other(
    pair: tuple[Replica, Replica, aioredis.Redis, str],
) -> None:
    first, second, _, _ = pair
    first.guard.circuit("duffel").force_open()
    assert await _until(lambda: second.guard.circuit("duffel").state == OPEN)
    first.guard.circuit("duffel").reset()
    assert await _until(lambda: second.guard.circuit("duffel").state == CLOSED)


async def test_a_cooldown_on_one_replica_rests_the_provider_on_the_other(
    pair: tuple[Replica, Replica, aioredis.Redis, str],
) -> None:
    first, second, _, _ = pair
    first.guard.cooldowns.start("kiwi", 30)
    assert await _until(lambda: second.guard.cooldowns.block("kiwi") is not None)
    # A Retry-After of a day is cut to an hour, here and there.
    first.guard.cooldowns.start("duffel", 86_400)
    assert await _until(lambda: "duffel" in second.guard.cooldowns.active())
    assert second.guard.cooldowns.active()["duffel"] <= 3600


async def test_garbage_on_the_channel_is_skipped_and_sharing_goes_on(
    pair: tuple[Replica, Replica, aioredis.Redis, str],
) -> None:
    first, second, client, namespace = pair
    channel = f"{namespace}:resilience"
    now = time.time()
    hostile: list[object] = [
        [],
        42,
        "x",
        None,
        {"kind": "circuit", "provider": "duffel", "state": "open", "open_for_s": "nan"},
        {
            "kind": "circuit",
            "provider": "duffel",
            "state": "open",
            "open_for_s": 60,
            "opened_at": "soon",
        },
        {
            "kind": "circuit",
            "provider": "p" + "A" * 10_000,
            "state": "open",
            "open_for_s": 60,
            "opened_at": now,
        },
        {"kind": "cooldown", "provider": "kiwi", "until": "inf"},
        {"kind": "weird", "provider": "kiwi"},
    ]
    for message in hostile:
        await client.publish(channel, orjson.dumps(message))
    await client.publish(channel, b"{not json")
    # A clock a year ahead: the circuit opens for its period, not for a year.
    await client.publish(
        channel,
        orjson.dumps(
            {
                "kind": "circuit",
                "provider": "kiwi",
                "state": "open",
                "open_for_s": 60,
                "opened_at": now + 365 * 86_400,
                "replica": "elsewhere",
            }
        ),
    )
    assert await _until(lambda: second.guard.circuit("kiwi").state == OPEN)
    block = second.guard.circuit("kiwi").block()
    assert block is not None
    assert block.retry_after_s is not None
    assert block.retry_after_s <= 60

    assert second.guard.circuit("duffel").state == CLOSED
    assert not second.guard.knows("p" + "A" * 10_000)
    assert set(second.guard.circuit_states()) <= set(LIMITS)
    # The listener survived all of it.
    first.guard.circuit("duffel").force_open()
    assert await _until(lambda: second.guard.circuit("duffel").state == OPEN)


async def test_a_poisoned_key_does_not_stop_a_replica_that_starts_later(
    pair: tuple[Replica, Replica, aioredis.Redis, str], redis_url: str
) -> None:
    first, _, client, namespace = pair
    await client.set(f"{namespace}:resilience:circuit:poison", b"42")
    first.guard.circuit("kiwi").force_open()
    await asyncio.sleep(0.2)
    late = await _replica(redis_url, namespace, "late")
    try:
        # It adopted the stored open circuit despite the poisoned key beside it.
        assert await _until(lambda: late.guard.circuit("kiwi").state == OPEN)
    finally:
        await late.sharing.close()
        await late.guard.close()

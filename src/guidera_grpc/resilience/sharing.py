"""Circuit states and cooldowns shared by every replica, through Redis.

Each replica keeps pybreaker's memory storage, so a call never waits on Redis (see
LIBRARIES.md: the Redis storage blocks the loop). What this module shares are the changes:
a circuit that opens or closes here, and a cooldown a supplier asked for here, are written
under a key (for replicas that start later) and published on one channel. Every replica
listens on that channel and adopts what the others publish, so failures seen by one replica
open the circuit on all of them within a round trip.

Redis being down changes nothing on the request path: each replica then protects itself with
its own circuits, says so once in the logs, and catches up from the keys when Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import time
from collections.abc import Coroutine
from typing import Any, Final

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from guidera_grpc.resilience.breaker import CLOSED, OPEN, CircuitChange
from guidera_grpc.resilience.cooldown import MAX_COOLDOWN_S
from guidera_grpc.resilience.guard import ProviderGuard

log = logging.getLogger(__name__)

#: A Redis write slower than this is given up (the local state already holds).
WRITE_TIMEOUT_S: Final = 0.5
#: The listener waits this long for a message before checking whether it should stop.
POLL_S: Final = 1.0
#: Delays between reconnections of the listener.
RECONNECT_FIRST_S: Final = 0.5
RECONNECT_MAX_S: Final = 10.0
#: Open-circuit keys outlive their open period by this much, so a late replica sees the trip.
KEY_SLACK_S: Final = 5.0


class SharedResilience:
    """Publishes this replica's circuit changes and cooldowns; adopts everyone else's."""

    def __init__(
        self, guard: ProviderGuard, redis_url: str, namespace: str, replica_id: str
    ) -> None:
        self._guard = guard
        self._replica = replica_id
        self._channel = f"{namespace}:resilience"
        self._prefix = f"{namespace}:resilience:"
        self._writer = aioredis.Redis.from_url(
            redis_url, socket_timeout=WRITE_TIMEOUT_S, socket_connect_timeout=WRITE_TIMEOUT_S
        )
        # The listener idles between messages: no socket timeout, a health check instead.
        self._reader = aioredis.Redis.from_url(
            redis_url, socket_connect_timeout=WRITE_TIMEOUT_S, health_check_interval=15
        )
        self._writes: set[asyncio.Task[None]] = set()
        self._listener: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._connected = asyncio.Event()
        self._down = False

    async def start(self) -> None:
        """Hook into the guard and start listening (adopting the current states first)."""
        self._guard.cooldowns.on_start = self.cooldown_started
        self._listener = asyncio.create_task(self._listen(), name="resilience-sharing")

    async def wait_connected(self, timeout_s: float) -> bool:
        """Whether the listener subscribed within ``timeout_s`` (tests and readiness)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        return self._connected.is_set()

    def circuit_changed(self, change: CircuitChange) -> None:
        """Share a change this replica reached (adopted ones are not sent back)."""
        if change.adopted or change.new not in (OPEN, CLOSED):
            return
        message = {
            "kind": "circuit",
            "provider": change.provider,
            "state": change.new,
            "open_for_s": change.open_for_s,
            "opened_at": change.at.timestamp(),
        }
        ttl_s = change.open_for_s + KEY_SLACK_S if change.new == OPEN else None
        self._spawn(self._publish(f"circuit:{change.provider}", message, ttl_s))

    def cooldown_started(self, provider: str, seconds: float) -> None:
        """Share a supplier's request to slow down."""
        seconds = min(seconds, MAX_COOLDOWN_S)
        message = {"kind": "cooldown", "provider": provider, "until": time.time() + seconds}
        self._spawn(self._publish(f"cooldown:{provider}", message, seconds))

    async def close(self) -> None:
        """Finish pending writes, stop listening, close the connections."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
        self._stopping.set()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listener
        self._guard.cooldowns.on_start = None
        await self._writer.aclose()
        await self._reader.aclose()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _publish(self, key: str, message: dict[str, Any], ttl_s: float | None) -> None:
        """Store the state under its key (or drop it when closed) and announce it."""
        message["replica"] = self._replica
        body = orjson.dumps(message)
        try:
            async with asyncio.timeout(WRITE_TIMEOUT_S * 2):
                pipe = self._writer.pipeline(transaction=False)
                if ttl_s is None:
                    pipe.delete(self._prefix + key)
                else:
                    pipe.set(self._prefix + key, body, px=max(1, math.ceil(ttl_s * 1000)))
                pipe.publish(self._channel, body)
                await pipe.execute()
        except (RedisError, OSError, TimeoutError, ValueError, OverflowError) as error:
            self._lost(error)

    async def _listen(self) -> None:
        delay = RECONNECT_FIRST_S
        while not self._stopping.is_set():
            try:
                await self._subscribed()
            except (RedisError, OSError, TimeoutError) as error:
                self._connected.clear()
                self._lost(error)
            except Exception:
                # Whatever went wrong, sharing must resume: log it and subscribe again.
                self._connected.clear()
                log.exception("circuits and cooldowns: the listener failed; restarting")
            else:
                delay = RECONNECT_FIRST_S
                continue
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)

    async def _subscribed(self) -> None:
        """Subscribe, adopt the stored states, then adopt each message until stopped."""
        async with self._reader.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.subscribe(self._channel)
            # Subscribed before reading the keys: nothing published in between is missed.
            await self._adopt_stored()
            self._connected.set()
            if self._down:
                self._down = False
                log.info("circuits and cooldowns: shared through Redis again")
                await self._publish_own()
            while not self._stopping.is_set():
                message = await pubsub.get_message(timeout=POLL_S)
                if message is not None:
                    self._adopt(message["data"])

    async def _adopt_stored(self) -> None:
        keys = [key async for key in self._reader.scan_iter(match=f"{self._prefix}*", count=200)]
        if keys:
            for body in await self._reader.mget(keys):
                if body is not None:
                    self._adopt(body)

    def _adopt(self, body: bytes | str) -> None:
        """Apply one published change, unless this replica sent it, it names a provider the
        registry does not know, or it cannot be read: a bad message is logged and skipped."""
        try:
            message = orjson.loads(body)
            if not isinstance(message, dict) or message.get("replica") == self._replica:
                return
            provider = message.get("provider")
            if not isinstance(provider, str) or not self._guard.knows(provider):
                raise ValueError("unknown provider")
            if message.get("kind") == "circuit":
                self._adopt_circuit(provider, message)
            elif message.get("kind") == "cooldown":
                left = _finite(message["until"]) - time.time()
                if left > 0:
                    self._guard.cooldowns.adopt(provider, min(left, MAX_COOLDOWN_S))
            else:
                raise ValueError("unknown kind")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, OverflowError):
            log.warning("unreadable resilience message ignored")

    def _adopt_circuit(self, provider: str, message: dict[str, Any]) -> None:
        state = message["state"]
        if state not in (OPEN, CLOSED):
            raise ValueError("unknown state")
        # A clock ahead of ours must not keep a circuit open longer than its period.
        now = time.time()
        opened_at = dt.datetime.fromtimestamp(min(_finite(message["opened_at"]), now), dt.UTC)
        self._guard.circuit(provider).adopt(state, _finite(message["open_for_s"]), opened_at)

    async def _publish_own(self) -> None:
        """Publish this replica's open circuits and cooldowns again (after Redis was away,
        the others may have missed them)."""
        now = dt.datetime.now(dt.UTC)
        for provider, circuit in self._guard.open_circuits():
            opened_at = circuit.opened_at or now
            change = CircuitChange(provider, CLOSED, OPEN, circuit.open_for_s, opened_at)
            self.circuit_changed(change)
        for provider, left in self._guard.cooldowns.active().items():
            self.cooldown_started(provider, left)

    def _lost(self, error: BaseException) -> None:
        if not self._down:
            self._down = True
            log.warning(
                "circuits and cooldowns: Redis unreachable, each replica keeps its own",
                extra={"fields": {"error": type(error).__name__}},
            )


def _finite(value: object) -> float:
    """``value`` as a finite number, else ValueError (NaN and infinities included)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number

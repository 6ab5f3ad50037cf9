"""Our own event-loop lag, measured, and not held against suppliers whose calls timed out."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from guidera_grpc.operations import health_rules
from guidera_grpc.providers.errors import ProviderTimeoutError
from guidera_grpc.resilience import ProviderGuard
from guidera_grpc.resilience.loop_lag import LoopLag
from guidera_grpc.resilience.seams import CallRecord
from guidera_grpc.sandbox import RunningSandbox
from tests.ops_support import call
from tests.resilience_kit import Recorder, fast_settings, in_seconds, kiwi_search
from tests.server_fixtures import SandboxControl


def _hold_the_loop(seconds: float) -> None:
    """CPU work that keeps the loop from running anything else, as a burst of normalizing
    supplier answers does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def test_a_blocked_loop_is_seen_as_late() -> None:
    lag = LoopLag(every_s=0.01)
    lag.start()
    try:
        await asyncio.sleep(0.05)
        since = time.monotonic()
        _hold_the_loop(0.3)
        await asyncio.sleep(0.05)
    finally:
        await lag.close()

    assert lag.worst_since(since) >= 0.25
    assert lag.worst_since(time.monotonic() + 1) == 0.0


def test_samples_older_than_the_window_are_forgotten() -> None:
    lag = LoopLag(keep_s=10)
    lag.record(100.0, 2.0)
    lag.record(111.0, 0.1)

    assert lag.worst_since(0.0) == 0.1


def test_a_timeout_while_our_loop_lagged_is_not_the_suppliers_failure() -> None:
    """Under our own overload, answers wait behind our work: the health monitor must not
    disable suppliers for it. A timeout under a responsive loop still counts."""
    timeout = call("duffel", status="timeout", http_status=None, duration_ms=8000)

    assert health_rules.outcome(dataclasses.replace(timeout, loop_lag_ms=3000)) is None
    assert health_rules.outcome(dataclasses.replace(timeout, loop_lag_ms=100)) is False


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _timed_out_kiwi_call(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, *, hold_s: float
) -> CallRecord:
    """One Kiwi.com search that times out (its body drips), the loop held ``hold_s`` meanwhile."""
    settings = fast_settings(sandbox, retries=0)
    recorder = Recorder()
    guard = ProviderGuard(settings, {}, observer=recorder)
    guard.loop_lag.start()
    try:
        call = asyncio.create_task(
            guard.call(
                "kiwi", kiwi_search(http, settings), deadline=in_seconds(2.0), category="flights"
            )
        )
        await asyncio.sleep(0.2)
        _hold_the_loop(hold_s)
        with pytest.raises(ProviderTimeoutError):
            await call
    finally:
        await guard.close()
    (record,) = recorder.records
    return record


async def test_a_call_that_timed_out_behind_our_own_work_carries_the_lag(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("kiwi", drip_rate=1.0)

    held = await _timed_out_kiwi_call(http, sandbox, hold_s=1.0)
    free = await _timed_out_kiwi_call(http, sandbox, hold_s=0.0)

    assert held.status == free.status == "timeout"
    assert held.loop_lag_ms >= 800
    assert health_rules.outcome(held) is None
    assert free.loop_lag_ms < 200
    assert health_rules.outcome(free) is False

"""Circuit breakers through the guard, counted at the sandbox: the breaker guards the awaited
call, a cancellation is not a failure, half-open admits one trial whose permit is never lost,
three successes close it and a failed trial reopens it for twice as long."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from guidera_grpc.config import Settings
from guidera_grpc.providers.errors import InvalidRequestError, UpstreamError
from guidera_grpc.resilience import CircuitChange, ProviderBlocked, ProviderGuard
from guidera_grpc.sandbox import RunningSandbox
from tests.resilience_kit import (
    Attempt,
    Recorder,
    fast_settings,
    in_seconds,
    kiwi_search,
    multi_city,
    received,
)
from tests.server_fixtures import SandboxControl


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(guard: ProviderGuard, attempt: Attempt, seconds: float = 5) -> object:
    """One guarded Kiwi call; its result or its error."""
    try:
        return await guard.call("kiwi", attempt, deadline=in_seconds(seconds), category="flights")
    except Exception as error:
        return error


async def open_circuit(guard: ProviderGuard, attempt: Attempt, control: SandboxControl) -> None:
    """Fail calls until the circuit opens, then let the supplier answer again."""
    await control.set("kiwi", error_rate=1.0)
    while guard.circuit("kiwi").state != "open":
        await call(guard, attempt)
    await control.set("kiwi", error_rate=0.0)


async def until_trial_time(guard: ProviderGuard) -> None:
    """Sleep past the open period."""
    block = guard.circuit("kiwi").block()
    assert block is not None
    assert block.retry_after_s is not None
    await asyncio.sleep(block.retry_after_s + 0.02)


async def test_five_failures_open_the_circuit_after_exactly_five_calls(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """Two calls with 3 retries each against a failing supplier: the second call's first
    retry finds the circuit open, so the supplier saw 5 requests; later calls are refused."""
    await sandbox_control.set("kiwi", error_rate=1.0)
    settings = fast_settings(sandbox, retries=3)
    changes: list[CircuitChange] = []
    guard = ProviderGuard(settings, {}, on_circuit_change=changes.append)
    attempt = kiwi_search(http, settings)

    first, second = await call(guard, attempt), await call(guard, attempt)
    third = await call(guard, attempt)

    assert isinstance(first, UpstreamError)
    assert isinstance(second, UpstreamError)
    assert isinstance(third, ProviderBlocked)
    assert third.code == "CIRCUIT_OPEN"
    assert received(sandbox) == 5
    assert guard.circuit_states() == {"kiwi": "open"}
    assert "circuit open" in (guard.blocked("kiwi") or "")
    assert [(c.old, c.new) for c in changes] == [("closed", "open")]
    await guard.close()


async def test_concurrent_failures_report_one_opening(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """Twenty calls failing at once repeat pybreaker's open event; the callback hears one."""
    await sandbox_control.set("kiwi", error_rate=1.0)
    settings = fast_settings(sandbox, retries=0)
    changes: list[CircuitChange] = []
    guard = ProviderGuard(settings, {}, on_circuit_change=changes.append)
    attempt = kiwi_search(http, settings)

    await asyncio.gather(*(call(guard, attempt) for _ in range(20)))

    assert received(sandbox) == 20
    assert [(c.old, c.new) for c in changes] == [("closed", "open")]
    await guard.close()


async def test_a_cancelled_caller_is_not_a_supplier_failure(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """Cancellations neither count as failures nor clear the count: with a threshold of 2,
    fail, cancel six callers, fail: the circuit opens at the second failure, not before."""
    settings = fast_settings(sandbox, retries=0, breaker_failures=2)
    recorder = Recorder()
    guard = ProviderGuard(settings, {}, observer=recorder)
    attempt = kiwi_search(http, settings)
    await sandbox_control.set("kiwi", error_rate=1.0)
    await call(guard, attempt)

    await sandbox_control.set("kiwi", error_rate=0.0, latency=2000)
    for _ in range(6):
        task = asyncio.create_task(call(guard, attempt))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert guard.circuit("kiwi").state == "closed"

    await sandbox_control.set("kiwi", error_rate=1.0, latency=0)
    await call(guard, attempt)
    assert guard.circuit("kiwi").state == "open"
    assert recorder.statuses() == ["error", *["cancelled"] * 6, "error"]
    await guard.close()


async def test_half_open_sends_exactly_one_trial_among_20_concurrent_calls(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """When the open period ends, 20 concurrent calls send one trial; the 19 others are
    refused as circuit-open while it is in flight."""
    settings = fast_settings(sandbox, retries=0)
    guard = ProviderGuard(settings, {})
    attempt = kiwi_search(http, settings)
    await open_circuit(guard, attempt, sandbox_control)
    await sandbox_control.set("kiwi", latency=200)
    sent_before = received(sandbox)
    await until_trial_time(guard)

    outcomes = await asyncio.gather(*(call(guard, attempt) for _ in range(20)))

    assert received(sandbox) - sent_before == 1
    refused = [o for o in outcomes if isinstance(o, ProviderBlocked)]
    assert len(refused) == 19
    assert {r.code for r in refused} == {"CIRCUIT_OPEN"}
    assert guard.circuit("kiwi").state == "half-open"
    await guard.close()


async def test_a_cancelled_trial_gives_its_permit_back(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """The trial's caller is cancelled: the provider is not blocked any more and the next
    call is the new trial; the circuit does not stick half-open."""
    settings = fast_settings(sandbox, retries=0)
    guard = ProviderGuard(settings, {})
    attempt = kiwi_search(http, settings)
    await open_circuit(guard, attempt, sandbox_control)
    await sandbox_control.set("kiwi", latency=2000)
    await until_trial_time(guard)

    trial = asyncio.create_task(call(guard, attempt))
    await asyncio.sleep(0.1)
    assert guard.blocked("kiwi") is not None
    trial.cancel()
    with pytest.raises(asyncio.CancelledError):
        await trial

    assert guard.blocked("kiwi") is None
    await sandbox_control.set("kiwi", latency=0)
    assert isinstance(await call(guard, attempt), list)
    assert guard.circuit("kiwi").state == "half-open"
    await guard.close()


async def test_three_successful_trials_close_the_circuit(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """Half-open, three successes in a row close the circuit and the open period is reset."""
    settings = fast_settings(sandbox, retries=0)
    changes: list[CircuitChange] = []
    guard = ProviderGuard(settings, {}, on_circuit_change=changes.append)
    attempt = kiwi_search(http, settings)
    await open_circuit(guard, attempt, sandbox_control)
    await until_trial_time(guard)

    for _ in range(3):
        assert isinstance(await call(guard, attempt), list)

    assert guard.circuit("kiwi").state == "closed"
    assert [c.new for c in changes] == ["open", "half-open", "closed"]
    assert guard.blocked("kiwi") is None
    await guard.close()


async def test_a_failed_trial_reopens_the_circuit_for_twice_as_long(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """A failure while half-open reopens the circuit for 2 × the open period, then 4 ×,
    never beyond the cap."""
    settings = fast_settings(sandbox, retries=0, breaker_open_s=0.2, breaker_open_max_s=0.5)
    changes: list[CircuitChange] = []
    guard = ProviderGuard(settings, {}, on_circuit_change=changes.append)
    attempt = kiwi_search(http, settings)
    await open_circuit(guard, attempt, sandbox_control)
    await sandbox_control.set("kiwi", error_rate=1.0)

    await until_trial_time(guard)
    assert isinstance(await call(guard, attempt), UpstreamError)
    block = guard.circuit("kiwi").block()
    assert block is not None
    assert block.retry_after_s is not None
    assert 0.3 < block.retry_after_s <= 0.4

    await until_trial_time(guard)
    assert isinstance(await call(guard, attempt), UpstreamError)
    assert [c.open_for_s for c in changes if c.new == "open"] == [0.2, 0.4, 0.5]
    await guard.close()


async def test_a_bad_request_is_not_a_failure(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """The supplier refusing our request as invalid says it is up: ten refusals leave the
    circuit closed, and none is retried."""
    settings = fast_settings(sandbox)
    guard = ProviderGuard(settings, {})
    attempt = kiwi_search(http, settings, multi_city())

    outcomes = [await call(guard, attempt) for _ in range(10)]

    assert all(isinstance(o, InvalidRequestError) for o in outcomes)
    assert guard.circuit("kiwi").state == "closed"
    await guard.close()


def test_settings_carry_the_design_defaults() -> None:
    """5 failures, 3 successes, 60 s open, one trial; 3 retries from 1 s to 10 s, 20 %."""
    settings = Settings()
    guard = ProviderGuard(settings, {})
    breaker, retry = guard.breaker_policy, guard.retry_policy

    assert (breaker.failures, breaker.successes, breaker.open_s) == (5, 3, 60.0)
    assert breaker.half_open_trials == 1
    assert (retry.retries, retry.base_s, retry.max_s, retry.budget_ratio) == (3, 1.0, 10.0, 0.2)

"""Retries through the guard, counted at the sandbox: how many, how long apart, never past
the deadline, within the retry budget, and the cooldown a 429 with Retry-After starts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from guidera_grpc.providers.errors import (
    InvalidRequestError,
    ProviderTimeoutError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.resilience import ProviderBlocked, ProviderGuard, is_retryable
from guidera_grpc.sandbox import RunningSandbox
from tests.resilience_kit import Recorder, fast_settings, in_seconds, kiwi_search, received
from tests.server_fixtures import SandboxControl


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_three_retries_against_an_always_failing_supplier_make_four_attempts(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """Retries = 3 against a supplier answering 500 every time: exactly 4 attempts, each
    reported to the observer with its number, and the supplier's error at the end."""
    await sandbox_control.set("kiwi", error_rate=1.0)
    settings = fast_settings(sandbox, retries=3)
    recorder = Recorder()
    guard = ProviderGuard(settings, {}, observer=recorder)

    with pytest.raises(UpstreamError) as raised:
        await guard.call(
            "kiwi", kiwi_search(http, settings), deadline=in_seconds(5), category="flights"
        )

    assert raised.value.http_status == 500
    assert received(sandbox) == 4
    assert [r.attempt for r in recorder.records] == [1, 2, 3, 4]
    assert {(r.status, r.http_status, r.error_code) for r in recorder.records} == {
        ("error", 500, "UPSTREAM_ERROR")
    }
    await guard.close()


async def test_429_with_long_retry_after_is_called_once_then_skipped(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """429 with Retry-After: 45 is not retried within an 8 s deadline; the provider is in
    cooldown for 45 s: blocked() says so and the next call is refused without being sent."""
    await sandbox_control.set("kiwi", rate_429=1.0, retry_after_s=45)
    settings = fast_settings(sandbox)
    recorder = Recorder()
    guard = ProviderGuard(settings, {}, observer=recorder)
    attempt = kiwi_search(http, settings)

    started = time.monotonic()
    with pytest.raises(RateLimitedError):
        await guard.call("kiwi", attempt, deadline=in_seconds(8), category="flights")
    assert time.monotonic() - started < 1

    assert received(sandbox) == 1
    reason = guard.blocked("kiwi")
    assert reason is not None
    assert "429" in reason
    with pytest.raises(ProviderBlocked) as refused:
        await guard.call("kiwi", attempt, deadline=in_seconds(8), category="flights")
    assert refused.value.code == "COOLDOWN"
    assert refused.value.retry_after_s is not None
    assert 44 < refused.value.retry_after_s <= 45
    assert received(sandbox) == 1
    assert recorder.statuses() == ["rate_limited", "rate_limited"]
    assert [r.sent for r in recorder.records] == [True, False]
    await guard.close()


async def test_short_retry_after_is_waited_out_then_retried(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """A Retry-After shorter than the time left is honoured: the retry waits at least that long."""
    await sandbox_control.set("kiwi", rate_429=1.0, retry_after_s=1)
    settings = fast_settings(sandbox, retries=1)
    guard = ProviderGuard(settings, {})

    started = time.monotonic()
    with pytest.raises(RateLimitedError):
        await guard.call(
            "kiwi", kiwi_search(http, settings), deadline=in_seconds(3), category="flights"
        )

    assert received(sandbox) == 2
    assert time.monotonic() - started >= 1.0
    await guard.close()


async def test_a_hanging_supplier_is_cut_at_the_deadline_without_retry(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """An attempt gets the time left as its timeout, ends before the deadline, and no retry
    starts once too little time is left."""
    await sandbox_control.set("kiwi", timeout_rate=1.0)
    settings = fast_settings(sandbox)
    guard = ProviderGuard(settings, {})
    deadline = in_seconds(0.4)

    with pytest.raises(ProviderTimeoutError):
        await guard.call("kiwi", kiwi_search(http, settings), deadline=deadline, category="flights")

    assert time.monotonic() < deadline
    assert received(sandbox) == 1
    await guard.close()


async def test_a_request_with_under_50_ms_left_starts_no_call(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """With 40 ms left the call is refused at once and nothing is sent."""
    settings = fast_settings(sandbox)
    guard = ProviderGuard(settings, {})

    with pytest.raises(ProviderBlocked) as refused:
        await guard.call(
            "kiwi", kiwi_search(http, settings), deadline=in_seconds(0.04), category="flights"
        )

    assert refused.value.code == "DEADLINE"
    assert received(sandbox) == 0
    await guard.close()


async def test_retry_budget_bounds_attempts_of_50_concurrent_calls(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """50 concurrent calls to a supplier failing every time get at most a fifth as many
    retries (the floor is 2 here), not 3 each: the sandbox sees 60 requests, not 200."""
    await sandbox_control.set("kiwi", error_rate=1.0)
    settings = fast_settings(sandbox, breaker_failures=1000, retry_budget_min=2)
    guard = ProviderGuard(settings, {})
    attempt = kiwi_search(http, settings)

    outcomes = await asyncio.gather(
        *(
            guard.call("kiwi", attempt, deadline=in_seconds(5), category="flights")
            for _ in range(50)
        ),
        return_exceptions=True,
    )

    assert all(isinstance(o, UpstreamError) for o in outcomes)
    assert received(sandbox) == 50 + 10
    await guard.close()


def test_only_transient_failures_are_retryable() -> None:
    """Timeouts, resets, 429 and 500/502/503/504 are retried; a bad request or 501 is not."""
    assert is_retryable(UpstreamError("kiwi", "x", http_status=503))
    assert is_retryable(UpstreamError("kiwi", "x", http_status=500))
    assert not is_retryable(UpstreamError("kiwi", "x", http_status=501))
    assert is_retryable(RateLimitedError("kiwi", "x", retry_after=2))
    assert not is_retryable(InvalidRequestError("kiwi", "x", http_status=400))
    assert not is_retryable(asyncio.CancelledError())

"""Rate limits and the budget gate through the guard, counted at the sandbox: in memory, shared
through Redis by two guards, and falling back to a local share when Redis is down."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest

from guidera_grpc.providers.errors import UpstreamError
from guidera_grpc.resilience import ProviderBlocked, ProviderGuard
from guidera_grpc.resilience.seams import RequestType
from guidera_grpc.sandbox import RunningSandbox
from tests.resilience_kit import Attempt, fast_settings, in_seconds, kiwi_search, received
from tests.server_fixtures import SandboxControl

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def calls(guard: ProviderGuard, attempt: Attempt, count: int) -> list[object]:
    """``count`` guarded Kiwi calls one after the other; each one's result or error."""
    outcomes: list[object] = []
    for _ in range(count):
        try:
            outcomes.append(
                await guard.call("kiwi", attempt, deadline=in_seconds(5), category="flights")
            )
        except Exception as error:
            outcomes.append(error)
    return outcomes


def answered(outcomes: list[object]) -> int:
    return sum(isinstance(o, list) for o in outcomes)


def refused_codes(outcomes: list[object]) -> set[str]:
    return {o.code for o in outcomes if isinstance(o, ProviderBlocked)}


async def test_a_limit_of_three_a_minute_lets_exactly_three_calls_out(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """Five calls against 3 a minute: three are sent, two refused before sending, and routing
    sees the provider blocked with the reason."""
    settings = fast_settings(sandbox)
    guard = ProviderGuard(settings, {"kiwi": (3, None)})

    outcomes = await calls(guard, kiwi_search(http, settings), 5)

    assert answered(outcomes) == 3
    assert refused_codes(outcomes) == {"RATE_LIMITED_LOCAL"}
    assert received(sandbox) == 3
    assert "rate limit" in (guard.blocked("kiwi") or "")
    await guard.close()


async def test_a_daily_limit_is_kept_too(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """100 a minute but 2 a day: the third call of the day is refused."""
    settings = fast_settings(sandbox)
    guard = ProviderGuard(settings, {"kiwi": (100, 2)})

    outcomes = await calls(guard, kiwi_search(http, settings), 3)

    assert answered(outcomes) == 2
    assert received(sandbox) == 2
    await guard.close()


async def test_retries_count_against_the_rate_limit(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """Two a minute, a failing supplier, three retries: two attempts go out, the third is
    refused, and the caller sees the supplier's error, not the refusal."""
    await sandbox_control.set("kiwi", error_rate=1.0)
    settings = fast_settings(sandbox, retries=3)
    guard = ProviderGuard(settings, {"kiwi": (2, None)})

    (outcome,) = await calls(guard, kiwi_search(http, settings), 1)

    assert isinstance(outcome, UpstreamError)
    assert received(sandbox) == 2
    await guard.close()


async def test_two_guards_share_a_limit_through_redis(
    http: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
    redis_url: str,
) -> None:
    """Two guards (two replicas) on one Redis count in one window: 4 a minute in all."""
    settings = fast_settings(sandbox)
    prefix = f"guidera-test-{uuid.uuid4().hex}"
    first = ProviderGuard(settings, {"kiwi": (4, None)}, redis_url=redis_url, key_prefix=prefix)
    second = ProviderGuard(settings, {"kiwi": (4, None)}, redis_url=redis_url, key_prefix=prefix)
    attempt = kiwi_search(http, settings)

    by_first = await calls(first, attempt, 3)
    by_second = await calls(second, attempt, 3)

    assert (answered(by_first), answered(by_second)) == (3, 1)
    assert received(sandbox) == 4
    assert first.limits_shared
    assert second.limits_shared
    await first.close()
    await second.close()


async def test_redis_down_falls_back_to_a_local_share_and_says_so_once(
    http: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With Redis unreachable, calls still go out within this replica's share of the limit
    (8 a minute over 2 replicas: 4), and one warning says why."""
    settings = fast_settings(sandbox, replicas=2)
    guard = ProviderGuard(settings, {"kiwi": (8, None)}, redis_url=UNREACHABLE_REDIS)

    with caplog.at_level(logging.WARNING, logger="guidera_grpc.resilience"):
        outcomes = await calls(guard, kiwi_search(http, settings), 6)

    assert answered(outcomes) == 4
    assert refused_codes(outcomes) == {"RATE_LIMITED_LOCAL"}
    assert received(sandbox) == 4
    assert not guard.limits_shared
    warnings = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(warnings) == 1
    await guard.close()


class Refusing:
    """A budget gate that refuses searches of one provider."""

    def refusal(self, provider: str, request_type: RequestType) -> str | None:
        if provider == "kiwi" and request_type == "search":
            return "daily budget used up"
        return None


async def test_a_budget_refusal_blocks_before_sending(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    """The budget gate's refusal is routing's reason and the call's error; nothing is sent."""
    settings = fast_settings(sandbox)
    guard = ProviderGuard(settings, {}, budget=Refusing())

    outcomes = await calls(guard, kiwi_search(http, settings), 1)

    assert refused_codes(outcomes) == {"BUDGET"}
    assert guard.blocked("kiwi") == "daily budget used up"
    assert guard.blocked("duffel") is None
    assert received(sandbox) == 0
    await guard.close()

"""One guarded call: its attempts, the retries between them, and a record of each.

Every attempt passes the same gates, in order: enough time left, no cooldown, the circuit
admits it, the budget allows it, a rate-limit slot is free. Then it runs inside the circuit,
with the time left as its timeout, ending a little before the deadline so that its own
timeout, not the caller's cancellation, is what ends a hanging supplier.

Tenacity drives the retries: only retryable failures, a backoff that honours Retry-After, and
a stop as soon as another attempt could not start before the deadline, the provider is blocked
for longer than the wait, or its retry budget is spent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sized
from typing import TYPE_CHECKING, Final, Generic, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from guidera_grpc.providers.errors import ProviderError, ProviderTimeoutError, RateLimitedError
from guidera_grpc.resilience.errors import CIRCUIT_OPEN, DEADLINE, Block, ProviderBlocked
from guidera_grpc.resilience.retry import Backoff, is_retryable, retry_after_of
from guidera_grpc.resilience.seams import CallContext, CallRecord, CallStatus, RequestType

if TYPE_CHECKING:
    from guidera_grpc.resilience.guard import ProviderGuard

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Below this many seconds left, starting an upstream call is pointless.
MIN_CALL_BUDGET_S: Final = 0.05
#: An attempt's timeout ends this long before the deadline.
ATTEMPT_MARGIN_S: Final = 0.02
#: Refusals worth a line in the call log (the others are our own decisions, not the provider's).
_LOGGED_REFUSALS: Final[dict[str, CallStatus]] = {
    CIRCUIT_OPEN: "circuit_open",
    "COOLDOWN": "rate_limited",
    "RATE_LIMITED_LOCAL": "rate_limited",
}


class GuardedCall(Generic[T]):
    """One call to one provider through the guard, from its first attempt to its last."""

    def __init__(
        self,
        guard: ProviderGuard,
        provider: str,
        attempt: Callable[[float], Awaitable[T]],
        deadline: float,
        category: str,
        request_type: RequestType,
        context: CallContext,
    ) -> None:
        self._guard = guard
        self._provider = provider
        self._attempt = attempt
        self._deadline = deadline
        self._category = category
        self._request_type = request_type
        self._context = context
        self._attempts = 0
        self._last_error: ProviderError | None = None

    async def result(self) -> T:
        """The first successful attempt's result; else the last supplier error, or
        ``ProviderBlocked`` when nothing was sent."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(is_retryable),
            wait=Backoff(self._guard.retry_policy),
            stop=self._should_stop,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return await retrying(self._attempt_once)
        except ProviderBlocked:
            if self._last_error is not None:
                raise self._last_error from None
            raise

    async def _attempt_once(self) -> T:
        self._attempts += 1
        await self._admit()
        if self._attempts == 1:
            self._guard.retry_budget(self._provider).note_call()
        started_at, started = dt.datetime.now(dt.UTC), time.monotonic()
        try:
            with self._guard.circuit(self._provider).guarding():
                result = await self._within_deadline()
        except ProviderBlocked as blocked:
            self._refused(blocked.block)
            raise
        except asyncio.CancelledError:
            self._report("cancelled", started_at, started)
            raise
        except ProviderError as error:
            self._failed(error, started_at, started)
            raise
        except Exception:
            self._report("error", started_at, started, error_code="INTERNAL")
            raise
        self._report("success", started_at, started, result=result)
        return result

    async def _admit(self) -> None:
        """Pass the gates before the circuit, or raise ``ProviderBlocked``."""
        block = self._time_block() or self._guard.block(self._provider, self._request_type)
        if block is None:
            block = await self._guard.rate_limits.acquire(self._provider)
        if block is None:
            block = self._time_block() or self._guard.cooldowns.block(self._provider)
        if block is not None:
            self._refused(block)
            raise ProviderBlocked(self._provider, block)

    def _time_block(self) -> Block | None:
        if self._deadline - time.monotonic() < MIN_CALL_BUDGET_S:
            return Block(DEADLINE, "too little time left to call it")
        return None

    async def _within_deadline(self) -> T:
        timeout_s = self._deadline - time.monotonic() - ATTEMPT_MARGIN_S
        try:
            async with asyncio.timeout(timeout_s + ATTEMPT_MARGIN_S / 2):
                return await self._attempt(timeout_s)
        except TimeoutError:
            message = f"no answer within {timeout_s:.3g} s"
            raise ProviderTimeoutError(self._provider, message) from None

    def _failed(self, error: ProviderError, started_at: dt.datetime, started: float) -> None:
        self._last_error = error
        retry_after = retry_after_of(error)
        if retry_after is not None:
            self._guard.cooldowns.start(self._provider, retry_after)
        self._report(
            _status_of(error),
            started_at,
            started,
            error_code=error.code,
            http_status=error.http_status,
        )

    def _should_stop(self, state: RetryCallState) -> bool:
        """Tenacity's stop: checked after a retryable failure, with the wait already known."""
        if state.attempt_number > self._guard.retry_policy.retries:
            return True
        wait_s = state.upcoming_sleep
        if self._deadline - (time.monotonic() + wait_s) < MIN_CALL_BUDGET_S:
            return True
        block = self._guard.block(self._provider, self._request_type)
        if block is not None and (block.retry_after_s is None or block.retry_after_s > wait_s):
            return True
        return not self._guard.retry_budget(self._provider).try_spend()

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.info(
            "retrying upstream call",
            extra={
                "fields": {
                    "provider": self._provider,
                    "attempt": state.attempt_number + 1,
                    "wait_s": round(state.upcoming_sleep, 3),
                    "error_code": getattr(error, "code", None),
                }
            },
        )

    def _refused(self, block: Block) -> None:
        status = _LOGGED_REFUSALS.get(block.code)
        if status is not None:
            now = dt.datetime.now(dt.UTC)
            self._report(status, now, time.monotonic(), error_code=block.code, sent=False)

    def _report(
        self,
        status: CallStatus,
        started_at: dt.datetime,
        started: float,
        *,
        error_code: str = "",
        http_status: int | None = None,
        result: object = None,
        sent: bool = True,
    ) -> None:
        observer = self._guard.observer
        if observer is None:
            return
        context = self._context
        record = CallRecord(
            provider=self._provider,
            category=self._category,
            request_type=self._request_type,
            status=status,
            started_at=started_at,
            duration_ms=(time.monotonic() - started) * 1000 if sent else 0.0,
            request_id=context.request_id,
            session_id=context.session_id,
            endpoint=context.endpoint,
            http_status=http_status,
            error_code=error_code,
            attempt=self._attempts,
            result_count=len(result) if isinstance(result, Sized) else 0,
            routing_score=context.routing_score,
            is_fallback=context.is_fallback,
            fallback_from=context.fallback_from,
            request_summary=context.request_summary,
            sent=sent,
            loop_lag_ms=self._guard.loop_lag.worst_since(started) * 1000 if sent else 0.0,
        )
        try:
            observer.observe(record)
        except Exception:
            log.exception("call observer failed", extra={"fields": {"provider": self._provider}})


def _status_of(error: ProviderError) -> CallStatus:
    if isinstance(error, ProviderTimeoutError):
        return "timeout"
    if isinstance(error, RateLimitedError):
        return "rate_limited"
    return "error"

"""The one gate every upstream call passes: circuit, cooldown, budget, rate limit, retries.

One ``ProviderGuard`` serves the whole process. ``blocked`` tells routing, without any I/O,
which providers cannot be asked now and why; ``call`` sends one guarded call, retrying as the
policy allows within the request's deadline, and reports every attempt to the observer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from guidera_grpc.config import Settings
from guidera_grpc.resilience.attempts import GuardedCall
from guidera_grpc.resilience.breaker import (
    OPEN,
    BreakerPolicy,
    Circuit,
    CircuitChangeHandler,
)
from guidera_grpc.resilience.cooldown import Cooldowns
from guidera_grpc.resilience.errors import BUDGET, Block
from guidera_grpc.resilience.loop_lag import LoopLag
from guidera_grpc.resilience.rate_limits import ProviderLimits, RateLimits
from guidera_grpc.resilience.retry import RetryBudget, RetryPolicy
from guidera_grpc.resilience.seams import BudgetGate, CallContext, CallObserver, RequestType

T = TypeVar("T")


class ProviderGuard:
    """Protects suppliers from us and us from suppliers, one provider at a time."""

    def __init__(
        self,
        settings: Settings,
        limits_by_provider: ProviderLimits,
        *,
        observer: CallObserver | None = None,
        budget: BudgetGate | None = None,
        redis_url: str | None = None,
        key_prefix: str | None = None,
        on_circuit_change: CircuitChangeHandler | None = None,
    ) -> None:
        self.breaker_policy = BreakerPolicy.from_settings(settings)
        self.retry_policy = RetryPolicy.from_settings(settings)
        self.observer = observer
        self.cooldowns = Cooldowns()
        self.rate_limits = RateLimits(
            limits_by_provider,
            redis_url=redis_url,
            key_prefix=key_prefix or f"{settings.cache_namespace}:limits",
            replicas=settings.replicas,
        )
        self._budget = budget
        self._on_circuit_change = on_circuit_change
        self._circuits: dict[str, Circuit] = {}
        self._retry_budgets: dict[str, RetryBudget] = {}
        #: Started by the runtime on its loop; without it every call reports no lag.
        self.loop_lag = LoopLag()

    def blocked(self, provider: str) -> str | None:
        """Why ``provider`` cannot be asked for a search now, or None. No I/O."""
        block = self.block(provider)
        return block.reason if block is not None else None

    def block(self, provider: str, request_type: RequestType = "search") -> Block | None:
        """The first reason ``provider`` cannot be called now, with how long it lasts."""
        return (
            self.cooldowns.block(provider)
            or self.circuit(provider).block()
            or self.budget_block(provider, request_type)
            or self.rate_limits.exhausted(provider)
        )

    async def call(
        self,
        provider: str,
        attempt: Callable[[float], Awaitable[T]],
        *,
        deadline: float,
        category: str,
        request_type: RequestType = "search",
        context: CallContext | None = None,
    ) -> T:
        """``attempt(timeout_s)`` under the guard, retried as allowed until ``deadline``.

        ``deadline`` is a ``time.monotonic()`` instant. Raises ``ProviderBlocked`` when no
        attempt could be sent, else the last attempt's error; a cancellation propagates.
        """
        run = GuardedCall(
            self, provider, attempt, deadline, category, request_type, context or CallContext()
        )
        return await run.result()

    def circuit(self, provider: str) -> Circuit:
        """The circuit of ``provider`` (created closed on first use)."""
        circuit = self._circuits.get(provider)
        if circuit is None:
            circuit = Circuit(provider, self.breaker_policy, self._on_circuit_change)
            self._circuits[provider] = circuit
        return circuit

    def knows(self, provider: str) -> bool:
        """Whether ``provider`` is in the registry (messages from elsewhere may name anything)."""
        return self.rate_limits.knows(provider)

    def open_circuits(self) -> list[tuple[str, Circuit]]:
        """The providers whose circuit is open now, with their circuits."""
        return [(code, c) for code, c in sorted(self._circuits.items()) if c.state == OPEN]

    def circuit_states(self) -> dict[str, str]:
        """Each provider the guard has seen so far, with its circuit's state."""
        return {code: circuit.state for code, circuit in sorted(self._circuits.items())}

    def retry_budget(self, provider: str) -> RetryBudget:
        """The retry budget of ``provider``."""
        budget = self._retry_budgets.get(provider)
        if budget is None:
            budget = RetryBudget(self.retry_policy)
            self._retry_budgets[provider] = budget
        return budget

    def budget_block(self, provider: str, request_type: RequestType) -> Block | None:
        """The budget gate's refusal, as a block."""
        if self._budget is None:
            return None
        refusal = self._budget.refusal(provider, request_type)
        return Block(BUDGET, refusal) if refusal else None

    def update_limits(self, limits_by_provider: ProviderLimits) -> None:
        """Take the registry's new rate limits."""
        self.rate_limits.update(limits_by_provider)

    @property
    def limits_shared(self) -> bool:
        """Whether rate-limit windows are shared through Redis right now (for health)."""
        return self.rate_limits.shared

    async def close(self) -> None:
        """Release the rate limiter's connections and tasks, and stop watching the loop."""
        await self.loop_lag.close()
        await self.rate_limits.close()


def blocked_providers(guard: ProviderGuard, providers: Iterable[str]) -> dict[str, str]:
    """``{provider: reason}`` of the blocked ones among ``providers``: routing's ``blocked``."""
    reasons = {code: guard.blocked(code) for code in providers}
    return {code: reason for code, reason in reasons.items() if reason is not None}

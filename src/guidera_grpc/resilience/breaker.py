"""One circuit breaker per provider: pybreaker's state machine, driven from asyncio.

pybreaker counts consecutive failures and moves closed → open → half-open → closed. Used
under asyncio it needs four things this module adds:

- ``Circuit.guarding()`` enters ``breaker.calling()`` around the awaited call itself;
- a gate of trial permits in half-open (pybreaker lets every concurrent caller through), each
  permit given back however its call ends, cancellation included;
- outcomes that count neither way: pybreaker records every call as a success or a failure, so
  a storage that can be muted lets a cancelled call or a 429 pass unrecorded;
- one event per real state change (concurrent failures repeat open → open), and an open
  period that doubles each time a half-open trial fails, up to a cap.

What counts as a failure: timeouts, refused or reset connections, 5xx, unreadable answers,
refused credentials (every later call would fail the same way) and crashes of the adapter.
What does not: the supplier refusing our request as invalid (it answered: a success), a 429
(the cooldown handles it: neutral) and a cancellation by our own client (neutral).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

import pybreaker

from guidera_grpc.config import Settings
from guidera_grpc.providers.errors import InvalidRequestError, RateLimitedError
from guidera_grpc.resilience.errors import CIRCUIT_OPEN, Block, ProviderBlocked

log = logging.getLogger(__name__)

CLOSED: Final = pybreaker.STATE_CLOSED
OPEN: Final = pybreaker.STATE_OPEN
HALF_OPEN: Final = pybreaker.STATE_HALF_OPEN

#: Outcomes that prove the supplier answered: they count as successes.
SUCCESSES: Final = (InvalidRequestError,)
#: Outcomes that say nothing about the supplier's health: they are not recorded at all.
NEUTRAL: Final = (asyncio.CancelledError, RateLimitedError)


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """How a circuit opens, for how long, and how it closes again."""

    failures: int = 5
    successes: int = 3
    open_s: float = 60.0
    open_max_s: float = 600.0
    half_open_trials: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> BreakerPolicy:
        """The policy the settings describe."""
        return cls(
            failures=settings.breaker_failures,
            successes=settings.breaker_successes,
            open_s=settings.breaker_open_s,
            open_max_s=max(settings.breaker_open_max_s, settings.breaker_open_s),
            half_open_trials=settings.breaker_half_open_trials,
        )


@dataclass(frozen=True, slots=True)
class CircuitChange:
    """A circuit moved from one state to another (closed, open, half-open)."""

    provider: str
    old: str
    new: str
    open_for_s: float
    at: dt.datetime
    #: True when the change was taken from another replica rather than reached here.
    adopted: bool = False


CircuitChangeHandler = Callable[[CircuitChange], None]


class Circuit:
    """The breaker of one provider, with its half-open gate."""

    def __init__(
        self, provider: str, policy: BreakerPolicy, on_change: CircuitChangeHandler | None = None
    ) -> None:
        self.provider = provider
        self._policy = policy
        self._on_change = on_change
        self._storage = _MutableStorage()
        self._trials = 0
        self._reported = CLOSED
        self._adopting = False
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=policy.failures,
            reset_timeout=policy.open_s,
            success_threshold=policy.successes,
            exclude=[_not_a_failure],
            listeners=[_ChangeListener(self)],
            state_storage=self._storage,
            name=provider,
            throw_new_error_on_trip=False,
        )

    @property
    def state(self) -> str:
        """closed, open or half-open."""
        return self._storage.state

    @property
    def open_for_s(self) -> float:
        """How long the circuit stays open once opened (doubled after failed trials)."""
        return self._breaker.reset_timeout

    def block(self) -> Block | None:
        """Why a call may not go now, or None. No side effect."""
        state = self.state
        if state == CLOSED:
            return None
        if state == OPEN:
            left = self._open_left_s()
            if left > 0:
                return Block(CIRCUIT_OPEN, f"circuit open for another {left:.1f} s", left)
        if self._trials >= self._policy.half_open_trials:
            return Block(CIRCUIT_OPEN, "circuit half-open and its trial calls are in flight")
        return None

    @contextmanager
    def guarding(self) -> Iterator[None]:
        """Admit one call (or raise ``ProviderBlocked``) and record how the awaited block ends.

        Past the open period the call is a trial: it holds one of the half-open permits until
        it ends, whether it succeeds, fails or its caller is cancelled.
        """
        block = self.block()
        if block is not None:
            raise ProviderBlocked(self.provider, block)
        trial = self.state != CLOSED
        if trial:
            self._trials += 1
        try:
            with self._breaker.calling():
                try:
                    yield
                except NEUTRAL:
                    self._storage.muted = True
                    raise
        except pybreaker.CircuitBreakerError:
            # Only raised on entry, if the clock moved between block() and here.
            raise ProviderBlocked(self.provider, Block(CIRCUIT_OPEN, "circuit open")) from None
        finally:
            self._storage.muted = False
            if trial:
                self._trials -= 1

    def force_open(self) -> None:
        """Open the circuit now, as if it had just tripped (an operator's order)."""
        self._breaker.open()

    def reset(self) -> None:
        """Close the circuit now and forget its failures (an operator's order)."""
        self._breaker.close()
        self._storage.reset_counter()

    @property
    def opened_at(self) -> dt.datetime | None:
        """When the circuit last opened (None if it never did)."""
        return self._storage.opened_at

    def adopt(self, state: str, open_for_s: float, opened_at: dt.datetime) -> None:
        """Take a state another replica reached: open since ``opened_at`` for ``open_for_s``,
        or closed. Half-open is not adopted: each replica reaches it by its own clock."""
        self._adopting = True
        try:
            if state == OPEN:
                local = self._storage.opened_at
                if self.state == OPEN and local is not None and local >= opened_at:
                    return
                open_for_s = min(max(open_for_s, self._policy.open_s), self._policy.open_max_s)
                self._breaker.reset_timeout = open_for_s
                if self.state != OPEN:
                    self._breaker.open()
                # Opening doubles the period after a failed local trial: the sender's counts.
                self._breaker.reset_timeout = open_for_s
                self._storage.opened_at = opened_at
            elif state == CLOSED and self.state != CLOSED:
                self.reset()
        finally:
            self._adopting = False

    def _open_left_s(self) -> float:
        opened_at = self._storage.opened_at
        if opened_at is None:
            return 0.0
        elapsed = (dt.datetime.now(dt.UTC) - opened_at).total_seconds()
        return self._breaker.reset_timeout - elapsed

    def changed(self, new: str) -> None:
        """Called by pybreaker on every state change; acts once per real change."""
        old = self._reported
        if new == old:
            return
        if new == OPEN and old == HALF_OPEN:
            doubled = self._breaker.reset_timeout * 2
            self._breaker.reset_timeout = min(doubled, self._policy.open_max_s)
        elif new == CLOSED:
            self._breaker.reset_timeout = self._policy.open_s
        self._reported = new
        change = CircuitChange(
            self.provider,
            old,
            new,
            self._breaker.reset_timeout,
            self._storage.opened_at or dt.datetime.now(dt.UTC),
            adopted=self._adopting,
        )
        _log_change(change)
        if self._on_change is not None:
            self._on_change(change)


class _MutableStorage(pybreaker.CircuitMemoryStorage):
    """pybreaker's memory storage, able to leave one outcome unrecorded while ``muted``.

    pybreaker takes an excluded error for a success: it clears the failure count and, when
    half-open, counts towards closing. Muted, both are skipped, so the outcome is neutral.
    """

    def __init__(self) -> None:
        super().__init__(pybreaker.STATE_CLOSED)
        self.muted = False

    def reset_counter(self) -> None:
        if not self.muted:
            super().reset_counter()

    def increment_success_counter(self) -> None:
        if not self.muted:
            super().increment_success_counter()


class _ChangeListener(pybreaker.CircuitBreakerListener):
    """Forwards pybreaker's state changes to their circuit."""

    def __init__(self, circuit: Circuit) -> None:
        self._circuit = circuit

    def state_change(
        self,
        cb: pybreaker.CircuitBreaker,
        old_state: pybreaker.CircuitBreakerState | None,
        new_state: pybreaker.CircuitBreakerState,
    ) -> None:
        self._circuit.changed(new_state.name)


def _not_a_failure(error: BaseException) -> bool:
    return isinstance(error, SUCCESSES + NEUTRAL)


def _log_change(change: CircuitChange) -> None:
    fields = {"provider": change.provider, "from": change.old, "to": change.new}
    if change.adopted:
        fields["source"] = "another replica"
    if change.new == OPEN:
        fields["open_for_s"] = f"{change.open_for_s:g}"
        log.warning("circuit opened", extra={"fields": fields})
    else:
        log.info("circuit changed", extra={"fields": fields})

"""Budgets: how much the upstream calls may cost in a UTC day and month, and what follows.

Thresholds, as shares of a limit:

- 80 %: a ``budget_warning`` alert (one per period and scope);
- 95 %: emergency mode, and a ``budget_emergency`` alert: searches should ask one provider
  with the quick_search configuration (``Budget.emergency`` tells the executor);
- 100 %: a ``budget_exceeded`` alert, and live searches are refused (``refusal``) until the
  period rolls over, ``retry_after_s`` seconds later. Re-pricing, bookings and everything after
  them still go out: a traveler who chose an offer is never stopped by the budget.

The global limits come from the settings; a provider may also have its own (``daily_budget`` and
``monthly_budget`` of ``api_providers``), which refuse searches to that provider alone. A limit of
0 switches that budget off. The figures are the in-memory spend of :class:`.costs.Spending`, so
``refusal`` costs no query.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from guidera_grpc.operations.alerts import Alert, AlertCenter
from guidera_grpc.operations.costs import Spending
from guidera_grpc.operations.figures import Registry
from guidera_grpc.operations.periods import (
    PeriodType,
    period_start,
    seconds_until_rollover,
    utc_now,
)
from guidera_grpc.resilience.seams import RequestType

_log = logging.getLogger(__name__)

BudgetLevel = Literal["normal", "warning", "emergency", "exhausted"]

WARNING_SHARE = 0.80
EMERGENCY_SHARE = 0.95
_LEVELS: tuple[BudgetLevel, ...] = ("normal", "warning", "emergency", "exhausted")
_ALERT_OF_LEVEL = {
    "warning": "budget_warning",
    "emergency": "budget_emergency",
    "exhausted": "budget_exceeded",
}


@dataclass(frozen=True, slots=True)
class PeriodSpend:
    """Spend against one limit in the current period."""

    kind: PeriodType
    spent: Decimal
    limit: Decimal

    @property
    def share(self) -> float:
        """Spent over limit (0 when the limit is off)."""
        return float(self.spent / self.limit) if self.limit > 0 else 0.0

    @property
    def level(self) -> BudgetLevel:
        """Where the spend stands against the thresholds."""
        share = self.share
        if share >= 1.0:
            return "exhausted"
        if share >= EMERGENCY_SHARE:
            return "emergency"
        return "warning" if share >= WARNING_SHARE else "normal"


@dataclass(frozen=True, slots=True)
class BudgetState:
    """The global budget now: the worse of the day and the month decides."""

    day: PeriodSpend
    month: PeriodSpend
    retry_after_s: float | None

    @property
    def level(self) -> BudgetLevel:
        """The graver of the two periods' levels."""
        return max(self.day.level, self.month.level, key=_LEVELS.index)

    @property
    def emergency(self) -> bool:
        """Searches should ask a single provider with the quick configuration."""
        return self.level in ("emergency", "exhausted")

    @property
    def exhausted(self) -> bool:
        """Live searches are refused until ``retry_after_s`` has passed."""
        return self.level == "exhausted"


class Budget:
    """Implements BudgetGate from in-memory spend; raises the budget alerts."""

    def __init__(
        self,
        spending: Spending,
        registry: Registry,
        alerts: AlertCenter | None,
        *,
        daily_limit: Decimal,
        monthly_limit: Decimal,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._spending = spending
        self._registry = registry
        self._alerts = alerts
        self.daily_limit = daily_limit
        self.monthly_limit = monthly_limit
        self._clock = clock
        self._alerted: set[str] = set()
        self._level: BudgetLevel = "normal"

    def state(self) -> BudgetState:
        """The global budget's state now."""
        day = PeriodSpend("day", self._spending.spent("day"), self.daily_limit)
        month = PeriodSpend("month", self._spending.spent("month"), self.monthly_limit)
        return BudgetState(day, month, self._retry_after(day, month))

    @property
    def emergency(self) -> bool:
        """Whether searches must run in emergency mode (one provider, quick_search)."""
        return self.state().emergency

    def refusal(self, provider: str, request_type: RequestType) -> str | None:
        """None when the call may go; else why not. Only searches are ever refused."""
        if request_type != "search":
            return None
        state = self.state()
        for period in (state.day, state.month):
            if period.level == "exhausted":
                return f"the {_label(period.kind)} budget of {period.limit} EUR is spent"
        for period in self._provider_periods(provider):
            if period.level == "exhausted":
                return f"{provider}'s {_label(period.kind)} budget of {period.limit} EUR is spent"
        return None

    def evaluate(self) -> None:
        """Raise the alerts of the thresholds crossed so far in the current periods."""
        state = self.state()
        self._note_level(state)
        for period in (state.day, state.month):
            self._alert_for(period, provider=None)
        for provider in self._registry.codes():
            for period in self._provider_periods(provider):
                self._alert_for(period, provider=provider)

    def _provider_periods(self, provider: str) -> list[PeriodSpend]:
        figures = self._registry.get(provider)
        if figures is None:
            return []
        limits: tuple[tuple[PeriodType, Decimal | None], ...] = (
            ("day", figures.daily_budget),
            ("month", figures.monthly_budget),
        )
        return [
            PeriodSpend(kind, self._spending.spent(kind, provider), limit)
            for kind, limit in limits
            if limit is not None and limit > 0
        ]

    def _alert_for(self, period: PeriodSpend, *, provider: str | None) -> None:
        if period.level == "normal" or self._alerts is None:
            return
        start = period_start(period.kind, self._clock())
        reached = _LEVELS.index(period.level)
        for level in _LEVELS[1 : reached + 1]:
            kind = _ALERT_OF_LEVEL[level]
            alert = Alert(
                kind=kind,
                message=_message(period, provider),
                provider=provider,
                details={
                    "period": period.kind,
                    "period_start": start.isoformat(),
                    "spent": str(period.spent),
                    "limit": str(period.limit),
                    "share": round(period.share, 4),
                },
                scope=f"{period.kind}:{start.isoformat()}",
            )
            if alert.dedupe_key not in self._alerted:
                self._alerted.add(alert.dedupe_key)
                self._alerts.raise_alert(alert)

    def _note_level(self, state: BudgetState) -> None:
        level = state.level
        if level != self._level:
            _log.warning(
                "budget level changed",
                extra={"fields": {"from": self._level, "to": level}},
            )
            self._level = level

    def _retry_after(self, day: PeriodSpend, month: PeriodSpend) -> float | None:
        now = self._clock()
        waits = [
            seconds_until_rollover(period.kind, now)
            for period in (day, month)
            if period.level == "exhausted"
        ]
        return max(waits) if waits else None


def _label(kind: PeriodType) -> str:
    return "daily" if kind == "day" else "monthly"


def _message(period: PeriodSpend, provider: str | None) -> str:
    whose = f"{provider}'s" if provider else "the"
    return (
        f"{period.spent} EUR of {whose} {_label(period.kind)} budget of {period.limit} EUR "
        f"spent ({period.share:.0%})"
    )

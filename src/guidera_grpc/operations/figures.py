"""The registry figures operations work with, read from ``api_providers`` and kept in memory.

Prices, the expected latency and the per-provider budgets change rarely and are needed on every
call, so they are read in one query and refreshed every few seconds; an operator's change is
seen within that time. Until the first read succeeds every figure is empty and every call
costs nothing, which errs towards serving travelers rather than refusing them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from guidera_grpc.resilience.seams import CallRecord

_log = logging.getLogger(__name__)

ZERO = Decimal(0)

#: Request types billed at the supplier's price per search (a re-price or a probe is a search).
SEARCH_LIKE = frozenset({"search", "price", "health_check"})
#: HTTP answers a supplier bills although the call failed: it processed the request and refused it.
_BILLED_REFUSALS = range(400, 500)
_UNBILLED_REFUSALS = frozenset({401, 403, 407, 408, 429})


@dataclass(frozen=True, slots=True)
class ProviderFigures:
    """One provider's prices, yardstick latency and optional budgets."""

    code: str
    cost_per_search: Decimal
    cost_per_booking: Decimal
    expected_latency_ms: int
    daily_budget: Decimal | None
    monthly_budget: Decimal | None


_SELECT = """
SELECT code, cost_per_search, cost_per_booking, expected_latency_ms, daily_budget, monthly_budget
FROM api_providers
"""


class Registry:
    """The latest figures of every provider, refreshed on demand from the store."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._figures: dict[str, ProviderFigures] = {}

    def get(self, code: str) -> ProviderFigures | None:
        """The figures of ``code``, or None for a provider the registry does not know."""
        return self._figures.get(code)

    def knows(self, code: str) -> bool:
        """Whether ``code`` names a provider of the registry (rows may reference it)."""
        return code in self._figures

    def codes(self) -> list[str]:
        """Every known provider code."""
        return sorted(self._figures)

    async def refresh(self) -> None:
        """Read the figures again; on failure keep the previous ones and raise."""
        rows = await self._pool.fetch(_SELECT)
        self._figures = {row["code"]: _figures(row) for row in rows}

    def cost_of(self, record: CallRecord) -> Decimal:
        """What ``record``'s call cost us, in EUR: the price per search for a billed search,
        re-price or probe, the price per booking for a confirmed booking, else nothing."""
        figures = self._figures.get(record.provider)
        if figures is None:
            return ZERO
        if record.request_type in SEARCH_LIKE and is_billed(record):
            return figures.cost_per_search
        if record.request_type == "book" and record.status == "success" and record.sent:
            return figures.cost_per_booking
        return ZERO


def is_billed(record: CallRecord) -> bool:
    """Whether the supplier charges for ``record``'s call.

    A call is billed when it succeeded, or when the supplier processed it and answered with a
    refusal of the request itself (a 4xx other than authentication, timeout and rate limiting).
    Timeouts, 5xx, throttling, cancellations and calls never sent are not billed.
    """
    if not record.sent:
        return False
    if record.status == "success":
        return True
    status = record.http_status
    return (
        record.status == "error"
        and status is not None
        and status in _BILLED_REFUSALS
        and status not in _UNBILLED_REFUSALS
    )


def _figures(row: asyncpg.Record) -> ProviderFigures:
    return ProviderFigures(
        code=row["code"],
        cost_per_search=row["cost_per_search"],
        cost_per_booking=row["cost_per_booking"],
        expected_latency_ms=row["expected_latency_ms"],
        daily_budget=row["daily_budget"],
        monthly_budget=row["monthly_budget"],
    )

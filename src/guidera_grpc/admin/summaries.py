"""The health summary (registry plus circuits) and the cost summary of a day or a month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

import asyncpg
from guidera.v1 import admin_service_pb2

from guidera_grpc.normalizers.money import to_money
from guidera_grpc.operations.periods import PeriodType, period_start, utc_now
from guidera_grpc.validation.common import Violations, parse_date

PERIODS: tuple[PeriodType, ...] = ("day", "month")


def circuit_name(state: str) -> str:
    """The API's word for a breaker state: closed, open or half_open."""
    return state.replace("-", "_")


async def health_summary(
    pool: asyncpg.Pool, circuits: Mapping[str, str]
) -> admin_service_pb2.GetHealthSummaryResponse:
    """Each provider's health from the registry view, with its circuit's state.

    The success rate is the last hour's when the provider was called in it, else the rate
    over every recorded call (0 before any call).
    """
    rows = await pool.fetch("SELECT * FROM provider_health_summary ORDER BY provider")
    summary = admin_service_pb2.GetHealthSummaryResponse()
    for row in rows:
        calls, failures = row["calls_last_hour"], row["failures_last_hour"]
        rate = 1 - failures / calls if calls else float(row["success_rate"] or 0)
        summary.providers.append(
            admin_service_pb2.ProviderHealth(
                provider=row["provider"],
                status=row["status"],
                health_score=float(row["health_score"]),
                success_rate=rate,
                consecutive_failures=row["consecutive_failures"],
                circuit_state=circuit_name(circuits.get(row["provider"], "closed")),
                enabled=row["enabled"],
                average_latency_ms=row["avg_latency_ms"],
            )
        )
    return summary


def check_period(request: admin_service_pb2.GetCostSummaryRequest) -> tuple[PeriodType, dt.date]:
    """The period asked for; the current one when no start is given."""
    errors = Violations()
    kind: PeriodType = "day"
    if request.period == "month":
        kind = "month"
    elif request.period != "day":
        errors.add("period", "must be day or month")
    start = period_start(kind, utc_now())
    if request.period_start:
        parsed = parse_date(request.period_start, "period_start", errors)
        if parsed is not None and kind == "month" and parsed.day != 1:
            errors.add("period_start", "a month starts on its first day, such as 2025-03-01")
        start = parsed or start
    errors.raise_if_any()
    return kind, start


async def cost_summary(
    pool: asyncpg.Pool, kind: PeriodType, start: dt.date
) -> admin_service_pb2.GetCostSummaryResponse:
    """Spend per provider in the period, most expensive first, and the total, in EUR."""
    rows = await pool.fetch(
        "SELECT provider, searches, bookings, cost FROM provider_costs"
        " WHERE period_type = $1 AND period_start = $2 ORDER BY cost DESC, provider",
        kind,
        start,
    )
    total = Decimal(0)
    summary = admin_service_pb2.GetCostSummaryResponse()
    for row in rows:
        total += row["cost"]
        summary.providers.append(
            admin_service_pb2.ProviderCost(
                provider=row["provider"],
                searches=row["searches"],
                bookings=row["bookings"],
                cost=to_money(row["cost"], "EUR"),
            )
        )
    summary.total.CopyFrom(to_money(total, "EUR"))
    return summary

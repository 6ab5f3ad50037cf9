"""Providers as operators see and change them: the registry row, validated edits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import asyncpg
from guidera.v1 import admin_service_pb2, common_pb2

from guidera_grpc.admin.vocabulary import ALL_REGIONS, CATEGORY_IDS, PROVIDER_STATUSES
from guidera_grpc.normalizers.money import to_decimal, to_money
from guidera_grpc.store.providers import ProviderProfile
from guidera_grpc.validation.common import Violations, check_text

#: What UpdateProvider may change, and the column each name writes.
UPDATABLE = (
    "enabled",
    "priority",
    "status",
    "status_reason",
    "rate_limit_per_minute",
    "rate_limit_per_day",
    "cost_per_search",
    "cost_per_booking",
    "strong_regions",
    "coverage_regions",
)
MAX_RATE_LIMIT = 10_000_000
MAX_COST = Decimal("999999")
MAX_STATUS_REASON = 300


@dataclass(frozen=True, slots=True)
class ProviderChange:
    """Validated column values to write to one provider's row."""

    code: str
    columns: dict[str, Any]


def provider_message(profile: ProviderProfile) -> admin_service_pb2.Provider:
    """The API's view of a registry profile."""
    return admin_service_pb2.Provider(
        code=profile.code,
        name=profile.name,
        type=profile.type,
        categories=[CATEGORY_IDS[c] for c in profile.categories if c in CATEGORY_IDS],
        strong_regions=profile.strong_regions,
        coverage_regions=profile.coverage_regions,
        enabled=profile.enabled,
        status=profile.status,
        status_reason=profile.status_reason or "",
        health_score=profile.health_score,
        cost_per_search=to_money(profile.cost_per_search, "EUR"),
        cost_per_booking=to_money(profile.cost_per_booking, "EUR"),
        rate_limit_per_minute=profile.rate_limit_per_minute,
        rate_limit_per_day=profile.rate_limit_per_day or 0,
        average_latency_ms=profile.avg_latency_ms,
        priority=profile.priority,
    )


def check_update(
    request: admin_service_pb2.UpdateProviderRequest, current: ProviderProfile
) -> ProviderChange:
    """The columns an update writes; InvalidRequest naming every bad field."""
    errors = Violations()
    wanted = request.provider
    names = list(dict.fromkeys(request.update_fields))
    if not names:
        errors.add("update_fields", f"name at least one of {', '.join(UPDATABLE)}")
    for index, name in enumerate(names):
        if name not in UPDATABLE:
            errors.add(f"update_fields[{index}]", f"{name[:40]!r} is not one of {UPDATABLE}")
    columns: dict[str, Any] = {}
    for name in names:
        if name in UPDATABLE:
            columns[name] = _column_value(name, wanted, errors)
    _check_regions(columns, current, errors)
    errors.raise_if_any()
    if "status" in columns:
        columns["status_changed_at"] = _NOW
    return ProviderChange(current.code, columns)


class _Now:
    """Marks a column set to the database's now()."""


_NOW = _Now()


def _column_value(name: str, wanted: admin_service_pb2.Provider, errors: Violations) -> Any:
    field = f"provider.{name}"
    if name == "enabled":
        return wanted.enabled
    if name == "priority":
        if not 0 <= wanted.priority <= 100:
            errors.add(field, "must be between 0 and 100")
        return wanted.priority
    if name == "status":
        if wanted.status not in PROVIDER_STATUSES:
            errors.add(field, f"must be one of {', '.join(PROVIDER_STATUSES)}")
        return wanted.status
    if name == "status_reason":
        return check_text(wanted.status_reason, field, MAX_STATUS_REASON, errors) or None
    if name == "rate_limit_per_minute":
        if not 1 <= wanted.rate_limit_per_minute <= MAX_RATE_LIMIT:
            errors.add(field, f"must be between 1 and {MAX_RATE_LIMIT}")
        return wanted.rate_limit_per_minute
    if name == "rate_limit_per_day":
        if not 0 <= wanted.rate_limit_per_day <= MAX_RATE_LIMIT:
            errors.add(field, f"must be between 0 (no daily limit) and {MAX_RATE_LIMIT}")
        return wanted.rate_limit_per_day or None
    if name in ("cost_per_search", "cost_per_booking"):
        return _cost(getattr(wanted, name), field, errors)
    return _regions(getattr(wanted, name), field, errors)


def _cost(money: common_pb2.Money, field: str, errors: Violations) -> Decimal:
    if money.currency_code not in ("", "EUR"):
        errors.add(f"{field}.currency_code", "provider costs are kept in EUR")
    try:
        amount = to_decimal(money)
    except (InvalidOperation, ValueError):
        errors.add(field, "is not an amount")
        return Decimal(0)
    if not Decimal(0) <= amount <= MAX_COST or (money.units < 0 or money.nanos < 0):
        errors.add(field, f"must be between 0 and {MAX_COST} EUR")
    return amount


def _regions(values: Sequence[str], field: str, errors: Violations) -> list[str]:
    for index, region in enumerate(values):
        if region not in ALL_REGIONS:
            errors.add(f"{field}[{index}]", f"{region[:40]!r} is not one of {sorted(ALL_REGIONS)}")
    if len(set(values)) != len(values):
        errors.add(field, "names a region twice")
    return list(values)


def _check_regions(columns: dict[str, Any], current: ProviderProfile, errors: Violations) -> None:
    """Strong regions lie within the coverage, weak ones outside it, as the table demands."""
    if "strong_regions" not in columns and "coverage_regions" not in columns:
        return
    strong = set(columns.get("strong_regions", current.strong_regions))
    coverage = set(columns.get("coverage_regions", current.coverage_regions))
    if not strong <= coverage:
        errors.add(
            "provider.strong_regions",
            f"{', '.join(sorted(strong - coverage))} must also be in coverage_regions",
        )
    overlap = coverage & set(current.weak_regions)
    if overlap:
        errors.add(
            "provider.coverage_regions",
            f"{', '.join(sorted(overlap))} are weak regions of this provider",
        )


async def apply_change(pool: asyncpg.Pool, change: ProviderChange) -> None:
    """Write the change to the provider's row."""
    assignments: list[str] = []
    values: list[Any] = [change.code]
    for column, value in change.columns.items():
        if isinstance(value, _Now):
            assignments.append(f"{column} = now()")
            continue
        values.append(value)
        assignments.append(f"{column} = ${len(values)}")
    await pool.execute(
        f"UPDATE api_providers SET {', '.join(assignments)} WHERE code = $1", *values
    )

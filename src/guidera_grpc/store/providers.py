"""Supplier profiles as the rest of the service reads them.

A profile joins a row of ``api_providers`` with its ``provider_capabilities``: routing scores
from it, the executor reads its limits and costs, the admin API shows it. Profiles are immutable
snapshots; health updates write the table and a fresh read sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg


@dataclass(frozen=True, slots=True)
class ProviderCapability:
    """How well a provider serves one category, and which of its features it offers."""

    category: str
    level: str  # primary | strong | supported
    features: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    """A supplier's profile and live health, as stored in ``api_providers``."""

    code: str
    name: str
    type: str
    categories: tuple[str, ...]
    strong_regions: tuple[str, ...]
    weak_regions: tuple[str, ...]
    coverage_regions: tuple[str, ...]
    strengths: tuple[str, ...]
    weaknesses: tuple[str, ...]
    segments: tuple[str, ...]
    enabled: bool
    status: str  # active | degraded | disabled
    status_reason: str | None
    priority: int
    health_score: float
    success_count: int
    failure_count: int
    consecutive_failures: int
    avg_latency_ms: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    cost_per_search: Decimal
    cost_per_booking: Decimal
    commission_percent: Decimal
    commission_kind: str  # none | fee | commission | markup
    rate_limit_per_minute: int
    rate_limit_per_day: int | None
    auth_type: str  # oauth2 | api_key | api_key_signature
    supports_packages: bool
    created_at: datetime
    updated_at: datetime
    capabilities: tuple[ProviderCapability, ...]

    def capability(self, category: str) -> ProviderCapability | None:
        """This provider's capability for ``category``, if it serves it."""
        return next((c for c in self.capabilities if c.category == category), None)

    @property
    def success_rate(self) -> float | None:
        """Share of successful calls, or None before the first call."""
        total = self.success_count + self.failure_count
        return self.success_count / total if total else None


_ROW_FIELDS = tuple(f.name for f in fields(ProviderProfile) if f.name != "capabilities")
_ARRAY_FIELDS = (
    "categories",
    "strong_regions",
    "weak_regions",
    "coverage_regions",
    "strengths",
    "weaknesses",
    "segments",
)

_SELECT = f"""
SELECT {", ".join("p." + name for name in _ROW_FIELDS)},
       coalesce((SELECT jsonb_agg(jsonb_build_object('category', c.category, 'level', c.level,
                                                     'features', c.features)
                                  ORDER BY c.category)
                 FROM provider_capabilities c
                 WHERE c.provider = p.code), '[]'::jsonb) AS capabilities
FROM api_providers p
"""


async def list_providers(
    pool: asyncpg.Pool, *, category: str | None = None, enabled_only: bool = False
) -> list[ProviderProfile]:
    """Profiles, highest priority first; only those serving ``category`` when given.

    ``enabled_only`` keeps the providers an operator has not switched off; their health status
    (active, degraded, disabled) is left for the caller to weigh.
    """
    rows = await pool.fetch(
        _SELECT + " WHERE ($1::text IS NULL OR $1 = ANY (p.categories))"
        " AND (NOT $2::boolean OR p.enabled)"
        " ORDER BY p.priority DESC, p.code",
        category,
        enabled_only,
    )
    return [_profile(row) for row in rows]


async def get_provider(pool: asyncpg.Pool, code: str) -> ProviderProfile | None:
    """The profile of provider ``code``, or None when there is no such provider."""
    row = await pool.fetchrow(_SELECT + " WHERE p.code = $1", code)
    return None if row is None else _profile(row)


def _profile(row: asyncpg.Record) -> ProviderProfile:
    values: dict[str, Any] = {name: row[name] for name in _ROW_FIELDS}
    for name in _ARRAY_FIELDS:
        values[name] = tuple(values[name])
    values["health_score"] = float(values["health_score"])
    values["capabilities"] = tuple(
        ProviderCapability(c["category"], c["level"], tuple(c["features"]))
        for c in row["capabilities"]
    )
    return ProviderProfile(**values)

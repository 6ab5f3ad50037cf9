"""Routing rules and fallback chains as the store keeps them in ``routing_rules`` and
``fallback_chains``.

Both are snapshots: an operator's change (AdminService) writes the tables and the next read
sees it. Only enabled rules are loaded, highest priority first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import asyncpg

DEFAULT_REGION = "default"
"""The fallback chain region that applies where no chain names the search's region."""


@dataclass(frozen=True, slots=True)
class RoutingRule:
    """A rule that boosts (or, with a negative boost, penalises) one provider.

    The rule matches a search when every key of ``conditions`` does (see routing.rules for
    the keys). When it matches it may also impose a strategy, a number of providers and a
    time budget on the search.
    """

    name: str
    priority: int
    provider: str
    boost: int
    conditions: Mapping[str, Any] = field(default_factory=dict)
    strategy: str | None = None
    max_providers: int | None = None
    timeout_ms: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class FallbackChains:
    """Providers to try in order when the chosen ones fail, by category and region."""

    chains: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def chain_for(self, category: str, region: str | None) -> tuple[str, ...]:
        """The chain of ``region`` for ``category``, else the category's default chain."""
        chain = self.chains.get((category, region)) if region else None
        return chain or self.chains.get((category, DEFAULT_REGION), ())


async def load_routing_rules(pool: asyncpg.Pool) -> list[RoutingRule]:
    """The enabled rules, highest priority first (then by name).

    ``timeout_ms`` is read when the table has such a column and is None otherwise, so that
    the rules load the same before and after a migration adds it.
    """
    rows = await pool.fetch(
        "SELECT * FROM routing_rules WHERE enabled ORDER BY priority DESC, name"
    )
    return [_rule(row) for row in rows]


async def load_fallback_chains(pool: asyncpg.Pool) -> FallbackChains:
    """Every fallback chain in the store."""
    rows = await pool.fetch("SELECT category, region, providers FROM fallback_chains")
    return FallbackChains(
        {(row["category"], row["region"]): tuple(row["providers"]) for row in rows}
    )


def _rule(row: asyncpg.Record) -> RoutingRule:
    return RoutingRule(
        name=row["name"],
        priority=row["priority"],
        provider=row["provider"],
        boost=row["boost"],
        conditions=dict(row["conditions"]),
        strategy=row["strategy"],
        max_providers=row["max_providers"],
        timeout_ms=row.get("timeout_ms"),
        description=row["description"],
    )

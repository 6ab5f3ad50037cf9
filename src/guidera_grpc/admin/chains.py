"""Fallback chains as operators write them: providers that serve the category, in order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import asyncpg
from guidera.v1 import admin_service_pb2, common_pb2

from guidera_grpc.admin.paging import Page
from guidera_grpc.admin.vocabulary import ALL_REGIONS, CATEGORY_IDS, category_name
from guidera_grpc.errors import NotFound
from guidera_grpc.store.rules import DEFAULT_REGION
from guidera_grpc.validation.common import Violations

MAX_CHAIN = 10


def check_place(
    category: common_pb2.Category.ValueType, region: str, errors: Violations, prefix: str = ""
) -> str:
    """The category's name; violations for an unknown category or region."""
    name = category_name(category)
    if name is None:
        errors.add(f"{prefix}category", "must be flights, hotels, cars or experiences")
    if region != DEFAULT_REGION and region not in ALL_REGIONS:
        errors.add(f"{prefix}region", f"must be {DEFAULT_REGION!r} or one of {sorted(ALL_REGIONS)}")
    return name or ""


def check_chain(
    chain: admin_service_pb2.FallbackChain, serving: Mapping[str, Sequence[str]]
) -> tuple[str, list[str]]:
    """The category and providers of a chain; ``serving`` maps codes to their categories."""
    errors = Violations()
    category = check_place(chain.category, chain.region, errors, "chain.")
    providers = list(chain.providers)
    if not 1 <= len(providers) <= MAX_CHAIN:
        errors.add("chain.providers", f"must name 1 to {MAX_CHAIN} providers")
    if len(set(providers)) != len(providers):
        errors.add("chain.providers", "names a provider twice")
    for index, code in enumerate(providers):
        categories = serving.get(code)
        if categories is None:
            errors.add(f"chain.providers[{index}]", f"{code[:40]!r} is not a known provider")
        elif category and category not in categories:
            errors.add(f"chain.providers[{index}]", f"{code} does not sell {category}")
    errors.raise_if_any()
    return category, providers


async def list_chains(
    pool: asyncpg.Pool, category: str | None, page: Page
) -> tuple[list[admin_service_pb2.FallbackChain], str]:
    """A page of chains by category and region."""
    rows = await pool.fetch(
        "SELECT category, region, providers, updated_at FROM fallback_chains"
        " WHERE $1::text IS NULL OR category = $1"
        " ORDER BY category, region LIMIT $2 OFFSET $3",
        category,
        page.size + 1,
        page.offset,
    )
    return [chain_message(row) for row in rows[: page.size]], page.next_token(len(rows))


async def upsert_chain(
    pool: asyncpg.Pool, category: str, region: str, providers: list[str]
) -> admin_service_pb2.FallbackChain:
    """Create or replace the chain of a category and region."""
    row = await pool.fetchrow(
        "INSERT INTO fallback_chains (category, region, providers) VALUES ($1, $2, $3)"
        " ON CONFLICT (category, region) DO UPDATE SET providers = excluded.providers"
        " RETURNING category, region, providers, updated_at",
        category,
        region,
        providers,
    )
    return chain_message(row)


async def delete_chain(pool: asyncpg.Pool, category: str, region: str) -> None:
    """Remove a chain; NotFound when there is none."""
    deleted = await pool.fetchval(
        "DELETE FROM fallback_chains WHERE category = $1 AND region = $2 RETURNING region",
        category,
        region,
    )
    if deleted is None:
        raise NotFound(f"no fallback chain for {category} in {region}")


def chain_message(row: asyncpg.Record) -> admin_service_pb2.FallbackChain:
    """The API's view of a ``fallback_chains`` row."""
    chain = admin_service_pb2.FallbackChain(
        category=CATEGORY_IDS[row["category"]], region=row["region"], providers=row["providers"]
    )
    chain.update_time.FromDatetime(row["updated_at"])
    return chain

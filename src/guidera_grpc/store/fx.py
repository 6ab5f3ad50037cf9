"""Exchange rates as the store keeps them: euros per one unit of each currency."""

from __future__ import annotations

from decimal import Decimal

import asyncpg


async def load_fx_rates(pool: asyncpg.Pool) -> dict[str, Decimal]:
    """Every known currency's value in euros, EUR itself included."""
    rows = await pool.fetch("SELECT currency, rate_to_eur FROM fx_rates")
    return {row["currency"]: Decimal(row["rate_to_eur"]) for row in rows}

"""Exchange rates as operators set them: units of a currency per euro, as the API speaks.

The store keeps the inverse (euros per unit); conversions happen only here.
"""

from __future__ import annotations

import math
from decimal import Decimal

import asyncpg
from guidera.v1 import admin_service_pb2

from guidera_grpc.validation.common import Violations, check_currency

MIN_RATE = 0.0001
MAX_RATE = 1_000_000.0
_PRECISION = Decimal("0.0000000001")


def check_rate(request: admin_service_pb2.SetFxRateRequest) -> tuple[str, Decimal]:
    """The currency and its euros per unit; InvalidRequest for a bad code or rate."""
    errors = Violations()
    if not request.currency_code:
        errors.add("currency_code", "is required, such as USD")
    currency = check_currency(request.currency_code, "currency_code", errors)
    rate = request.rate_per_eur
    if not math.isfinite(rate) or not MIN_RATE <= rate <= MAX_RATE:
        errors.add("rate_per_eur", f"must be a number between {MIN_RATE} and {MAX_RATE:g}")
    elif currency == "EUR" and rate != 1:
        errors.add("rate_per_eur", "one euro buys one euro")
    errors.raise_if_any()
    return currency, (Decimal(1) / Decimal(repr(rate))).quantize(_PRECISION)


async def store_rate(
    pool: asyncpg.Pool, currency: str, eur_per_unit: Decimal
) -> admin_service_pb2.SetFxRateResponse:
    """Write the rate; the answer repeats it with the time it was set."""
    row = await pool.fetchrow(
        "INSERT INTO fx_rates (currency, rate_to_eur, source) VALUES ($1, $2, 'admin')"
        " ON CONFLICT (currency) DO UPDATE"
        " SET rate_to_eur = excluded.rate_to_eur, source = excluded.source"
        " RETURNING currency, rate_to_eur, updated_at",
        currency,
        eur_per_unit,
    )
    answer = admin_service_pb2.SetFxRateResponse(
        currency_code=row["currency"], rate_per_eur=_per_eur(row["rate_to_eur"])
    )
    answer.update_time.FromDatetime(row["updated_at"])
    return answer


async def list_rates(pool: asyncpg.Pool) -> admin_service_pb2.ListFxRatesResponse:
    """Every rate, by currency."""
    rows = await pool.fetch(
        "SELECT currency, rate_to_eur, updated_at FROM fx_rates ORDER BY currency"
    )
    answer = admin_service_pb2.ListFxRatesResponse()
    for row in rows:
        rate = admin_service_pb2.FxRate(
            currency_code=row["currency"], rate_per_eur=_per_eur(row["rate_to_eur"])
        )
        rate.update_time.FromDatetime(row["updated_at"])
        answer.rates.append(rate)
    return answer


def _per_eur(eur_per_unit: Decimal) -> float:
    return round(float(1 / Decimal(eur_per_unit)), 8)

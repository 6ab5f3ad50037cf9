"""The bookings table: one row per idempotency key, written pending before any supplier is
called, and moved to confirmed, held, failed, unknown or cancelled after.

The unique idempotency key is what makes a booking happen once across concurrent calls and
replicas: only the call that inserts the row goes on to the supplier.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

Status = str  # pending | confirmed | held | failed | unknown | cancelled


@dataclass(frozen=True, slots=True)
class BookingRow:
    """A booking as stored; travelers stay sealed."""

    id: uuid.UUID
    idempotency_key: str
    request_hash: str
    offer_id: str
    provider: str
    category: str
    status: Status
    status_reason: str | None
    supplier_reference: str | None
    total_amount: Decimal
    currency: str
    traveler_ref: str
    offer: bytes | None
    created_at: dt.datetime
    updated_at: dt.datetime
    hold_expires_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class NewBooking:
    """What is known before the supplier is called."""

    id: uuid.UUID
    idempotency_key: str
    request_hash: str
    offer_id: str
    provider: str
    category: str
    total_amount: Decimal
    currency: str
    travelers_sealed: bytes
    traveler_ref: str
    offer: bytes


_COLUMNS = (
    "id, idempotency_key, request_hash, offer_id, provider, category, status, status_reason,"
    " supplier_reference, total_amount, currency, traveler_ref, offer, created_at, updated_at,"
    " hold_expires_at"
)


def our_reference(booking_id: uuid.UUID) -> str:
    """The reference suppliers keep for a booking: 28 characters, the shortest limit among
    them (Expedia's affiliate reference)."""
    return booking_id.hex[:28]


def _row(record: asyncpg.Record | None) -> BookingRow | None:
    return BookingRow(**dict(record)) if record is not None else None


async def claim(pool: asyncpg.Pool, new: NewBooking) -> BookingRow | None:
    """Insert the pending row; None when another call holds the key already."""
    record = await pool.fetchrow(
        f"""
        INSERT INTO bookings (id, idempotency_key, request_hash, offer_id, provider, category,
                              total_amount, currency, travelers_encrypted, traveler_ref, offer)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING {_COLUMNS}
        """,
        new.id,
        new.idempotency_key,
        new.request_hash,
        new.offer_id,
        new.provider,
        new.category,
        new.total_amount,
        new.currency,
        new.travelers_sealed,
        new.traveler_ref,
        new.offer,
    )
    return _row(record)


async def by_key(pool: asyncpg.Pool, key: str) -> BookingRow | None:
    """The booking made under an idempotency key."""
    return _row(
        await pool.fetchrow(f"SELECT {_COLUMNS} FROM bookings WHERE idempotency_key = $1", key)
    )


async def by_id(pool: asyncpg.Pool, booking_id: uuid.UUID) -> BookingRow | None:
    """A booking by its id."""
    return _row(await pool.fetchrow(f"SELECT {_COLUMNS} FROM bookings WHERE id = $1", booking_id))


async def settle(
    pool: asyncpg.Pool,
    booking_id: uuid.UUID,
    status: Status,
    *,
    reason: str | None = None,
    supplier_reference: str | None = None,
    provider: str | None = None,
    total: tuple[Decimal, str] | None = None,
    hold_expires_at: dt.datetime | None = None,
) -> BookingRow | None:
    """Move a booking to ``status`` with what the supplier said."""
    record = await pool.fetchrow(
        f"""
        UPDATE bookings SET status = $2, status_reason = $3,
               supplier_reference = coalesce($4, supplier_reference),
               provider = coalesce($5, provider),
               total_amount = coalesce($6, total_amount), currency = coalesce($7, currency),
               hold_expires_at = coalesce($8, hold_expires_at)
        WHERE id = $1
        RETURNING {_COLUMNS}
        """,
        booking_id,
        status,
        reason,
        supplier_reference,
        provider,
        total[0] if total else None,
        total[1] if total else None,
        hold_expires_at,
    )
    return _row(record)


async def switch_provider(pool: asyncpg.Pool, booking_id: uuid.UUID, provider: str) -> None:
    """Name the supplier about to be asked, before asking it."""
    await pool.execute("UPDATE bookings SET provider = $2 WHERE id = $1", booking_id, provider)


async def release(pool: asyncpg.Pool, booking_id: uuid.UUID) -> None:
    """Forget a pending booking that certainly reached no supplier (the offer was gone or
    its price changed), so the key may be used again once the client confirms."""
    await pool.execute("DELETE FROM bookings WHERE id = $1 AND status = 'pending'", booking_id)


async def list_for(
    pool: asyncpg.Pool, traveler_ref: str, *, before: dt.datetime | None, limit: int
) -> list[BookingRow]:
    """A customer's bookings, newest first, older than ``before`` when given."""
    records = await pool.fetch(
        f"""
        SELECT {_COLUMNS} FROM bookings
        WHERE traveler_ref = $1 AND ($2::timestamptz IS NULL OR created_at < $2)
        ORDER BY created_at DESC LIMIT $3
        """,
        traveler_ref,
        before,
        limit,
    )
    return [BookingRow(**dict(r)) for r in records]


async def unsettled(pool: asyncpg.Pool, *, pending_for_s: float, limit: int) -> list[BookingRow]:
    """Bookings whose outcome is unknown, and pending ones older than ``pending_for_s``."""
    records = await pool.fetch(
        f"""
        SELECT {_COLUMNS} FROM bookings
        WHERE status = 'unknown'
           OR (status = 'pending' AND updated_at < now() - make_interval(secs => $1))
        ORDER BY updated_at LIMIT $2
        """,
        pending_for_s,
        limit,
    )
    return [BookingRow(**dict(r)) for r in records]

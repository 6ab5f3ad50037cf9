"""What upstream calls cost: added to ``provider_costs`` per day and month, and kept in memory.

``observe`` prices each call from the registry and adds it to in-memory deltas. ``sync`` (run
every second or so) adds the deltas to the table with one upsert, so concurrent replicas add up
instead of overwriting each other, then reads back the totals of the current day and month over
every replica. Between syncs the spend a budget sees is the last totals read plus what this
process has priced since, counted once whether it is still pending, being written, or written.
When the database cannot be reached the deltas stay in memory and go with the next sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from guidera_grpc.operations.figures import SEARCH_LIKE, ZERO, Registry, is_billed
from guidera_grpc.operations.jobs import ACQUIRE_TIMEOUT_S
from guidera_grpc.operations.periods import PeriodType, period_start, utc_now
from guidera_grpc.resilience.seams import CallRecord

#: (provider, period type, first day of the period)
CostKey = tuple[str, PeriodType, dt.date]

_UPSERT = """
INSERT INTO provider_costs AS c (provider, period_type, period_start, searches, bookings, cost)
SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::bigint[], $5::bigint[],
                     $6::numeric[])
ON CONFLICT (provider, period_type, period_start) DO UPDATE
SET searches = c.searches + EXCLUDED.searches,
    bookings = c.bookings + EXCLUDED.bookings,
    cost = c.cost + EXCLUDED.cost
"""

_TOTALS = """
SELECT provider, period_type, period_start, cost FROM provider_costs
WHERE (period_type = 'day' AND period_start = $1) OR (period_type = 'month' AND period_start = $2)
"""


@dataclass(slots=True)
class CostDelta:
    """Calls and money not yet added to the table."""

    searches: int = 0
    bookings: int = 0
    cost: Decimal = ZERO

    def add(self, other: CostDelta) -> None:
        """Add ``other`` into this delta."""
        self.searches += other.searches
        self.bookings += other.bookings
        self.cost += other.cost


class Spending:
    """Implements CallObserver for money: prices calls and keeps provider_costs up to date."""

    def __init__(
        self, pool: asyncpg.Pool, registry: Registry, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self._pool = pool
        self._registry = registry
        self._clock = clock
        self._pending: dict[CostKey, CostDelta] = {}
        self._writing: dict[CostKey, CostDelta] = {}
        self._totals: dict[CostKey, Decimal] = {}

    def observe(self, record: CallRecord) -> None:
        """Add the cost of ``record``'s call to the pending deltas."""
        delta = _delta_of(record, self._registry.cost_of(record))
        if delta is None or not self._registry.knows(record.provider):
            return
        kinds: tuple[PeriodType, ...] = ("day", "month")
        for kind in kinds:
            key = (record.provider, kind, period_start(kind, record.started_at))
            self._pending.setdefault(key, CostDelta()).add(delta)

    def spent(self, kind: PeriodType, provider: str | None = None) -> Decimal:
        """EUR spent in the current period of ``kind``, by one provider or by all."""
        start = period_start(kind, self._clock())

        def counts(key: CostKey) -> bool:
            return key[1] == kind and key[2] == start and provider in (None, key[0])

        total = sum((cost for key, cost in self._totals.items() if counts(key)), ZERO)
        for deltas in (self._pending, self._writing):
            total += sum((d.cost for key, d in deltas.items() if counts(key)), ZERO)
        return total

    async def sync(self) -> None:
        """Add the pending deltas to the table, then read the current totals back."""
        self._writing, self._pending = self._pending, {}
        try:
            if self._writing:
                await self._write(self._writing)
        except BaseException:
            _merge(self._pending, self._writing.items())
            self._writing = {}
            raise
        for key, delta in self._writing.items():
            self._totals[key] = self._totals.get(key, ZERO) + delta.cost
        self._writing = {}
        await self._read_totals()

    async def _write(self, deltas: dict[CostKey, CostDelta]) -> None:
        keys = sorted(deltas)
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
            await conn.execute(
                _UPSERT,
                [key[0] for key in keys],
                [key[1] for key in keys],
                [key[2] for key in keys],
                [deltas[key].searches for key in keys],
                [deltas[key].bookings for key in keys],
                [deltas[key].cost for key in keys],
            )

    async def _read_totals(self) -> None:
        now = self._clock()
        async with self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
            rows = await conn.fetch(_TOTALS, period_start("day", now), period_start("month", now))
        self._totals = {
            (row["provider"], row["period_type"], row["period_start"]): row["cost"] for row in rows
        }


def _delta_of(record: CallRecord, cost: Decimal) -> CostDelta | None:
    if record.request_type in SEARCH_LIKE and is_billed(record):
        return CostDelta(searches=1, cost=cost)
    if record.request_type == "book" and record.status == "success" and record.sent:
        return CostDelta(bookings=1, cost=cost)
    return None


def _merge(into: dict[CostKey, CostDelta], items: Iterable[tuple[CostKey, CostDelta]]) -> None:
    for key, delta in items:
        into.setdefault(key, CostDelta()).add(delta)

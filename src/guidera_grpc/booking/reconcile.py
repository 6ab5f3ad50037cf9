"""Settles bookings whose outcome is unknown: asks the supplier under our own reference.

A booking is unknown when its answer was lost after the request went out, or pending when
the service stopped between the supplier's confirmation and the database update. The job
asks the supplier for the booking made under the booking's id: found, it is confirmed (or
held, or cancelled) as the supplier says; not found, nothing was booked and it failed. One
replica runs it at a time, under a PostgreSQL advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from guidera_grpc.booking import records
from guidera_grpc.booking.desk import BOOKING_TIMEOUT_S, BookingProviders
from guidera_grpc.normalizers.money import to_decimal
from guidera_grpc.operations.jobs import GAP_SHARE, run_exclusively
from guidera_grpc.providers.errors import ProviderError

log = logging.getLogger(__name__)

#: A pending booking younger than this may still be in the hands of a live request.
PENDING_GRACE_S = 120.0
BATCH = 50


class Reconciler:
    """Runs the settling pass every ``interval_s`` until stopped."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        providers: BookingProviders,
        *,
        interval_s: float,
        pending_grace_s: float = PENDING_GRACE_S,
    ) -> None:
        self._pool = pool
        self._providers = providers
        self._interval_s = interval_s
        self._pending_grace_s = pending_grace_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="booking-reconciler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.run_once(
                    pending_grace_s=self._pending_grace_s,
                    min_gap_s=self._interval_s * GAP_SHARE,
                )
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("reconciliation pass failed", extra={"fields": {"error": str(error)}})

    async def run_once(
        self, *, pending_grace_s: float = PENDING_GRACE_S, min_gap_s: float = 0.0
    ) -> int:
        """Settle what can be settled now; the number of bookings settled, or -1 when
        another replica holds the job."""

        async def settle_all() -> int:
            rows = await records.unsettled(self._pool, pending_for_s=pending_grace_s, limit=BATCH)
            return sum([await self._settle(row) for row in rows])

        ran, settled = await run_exclusively(
            self._pool, "reconciliation", settle_all, min_gap_s=min_gap_s
        )
        return settled if ran and settled is not None else -1

    async def _settle(self, row: records.BookingRow) -> int:
        provider = self._providers.get(row.category, {}).get(row.provider)
        if provider is None:
            return 0
        try:
            found = await provider.find(records.our_reference(row.id), timeout_s=BOOKING_TIMEOUT_S)
        except ProviderError as error:
            log.info(
                "supplier not reachable for reconciliation",
                extra={"fields": {"booking_id": str(row.id), "error_code": error.code}},
            )
            return 0
        if found is None:
            await records.settle(self._pool, row.id, "failed", reason="NOT_BOOKED_AT_SUPPLIER")
        else:
            status = (
                found.status if found.status in ("confirmed", "held", "cancelled") else "failed"
            )
            await records.settle(
                self._pool,
                row.id,
                status,
                reason="RECONCILED",
                supplier_reference=found.supplier_reference,
                total=(to_decimal(found.total), found.total.currency_code),
                hold_expires_at=found.hold_expires_at,
            )
        log.info("booking reconciled", extra={"fields": {"booking_id": str(row.id)}})
        return 1

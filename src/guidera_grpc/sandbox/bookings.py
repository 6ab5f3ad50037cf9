"""Bookings the emulated suppliers have made, shared by every supplier and the control API.

Each emulator records a booking here the moment it exists at the "supplier", before it answers
the client, so a test can count the bookings a flow really made (``GET /_sandbox/bookings``)
even when the answer was lost on the way back. ``/_sandbox/reset`` empties it with the
counters.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from aiohttp import web

BookingState = Literal["confirmed", "held", "pending", "cancelled"]
MAX_BOOKINGS = 10_000


@dataclass(slots=True)
class SandboxBooking:
    """One booking at one emulated supplier.

    ``document`` is the supplier's own rendering of it (an order, a flight-order, a saved
    booking), kept so that later reads answer with the same body.
    """

    supplier: str
    reference: str
    our_reference: str
    status: BookingState
    total: Decimal
    currency: str
    created_at: datetime
    document: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """The booking as the control endpoint lists it (no traveler data)."""
        return {
            "supplier": self.supplier,
            "reference": self.reference,
            "our_reference": self.our_reference,
            "status": self.status,
            "total": str(self.total),
            "currency": self.currency,
            "created_at": self.created_at.isoformat(),
        }


class BookingLedger:
    """Every supplier's bookings, in the order they were made."""

    def __init__(self) -> None:
        self._bookings: dict[tuple[str, str], SandboxBooking] = {}
        self._numbers = itertools.count(1)

    def record(self, booking: SandboxBooking) -> SandboxBooking:
        """Keep ``booking``; the oldest are forgotten past ``MAX_BOOKINGS``."""
        if len(self._bookings) >= MAX_BOOKINGS:
            del self._bookings[next(iter(self._bookings))]
        self._bookings[(booking.supplier, booking.reference)] = booking
        return booking

    def next_number(self) -> int:
        """A number never handed out before by this ledger, for supplier references."""
        return next(self._numbers)

    def get(self, supplier: str, reference: str) -> SandboxBooking | None:
        """One supplier's booking by its reference."""
        return self._bookings.get((supplier, reference))

    def of(
        self, supplier: str, where: Callable[[SandboxBooking], bool] = lambda _: True
    ) -> list[SandboxBooking]:
        """One supplier's bookings that satisfy ``where``, oldest first."""
        return [b for b in self if b.supplier == supplier and where(b)]

    def __iter__(self) -> Iterator[SandboxBooking]:
        return iter(list(self._bookings.values()))

    def clear(self) -> None:
        """Forget every booking."""
        self._bookings.clear()


BOOKINGS = web.AppKey("sandbox_bookings", BookingLedger)

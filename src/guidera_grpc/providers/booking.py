"""The seam between the booking service and the supplier adapters that sell bookings.

Every selling adapter implements :class:`BookingProvider` for the category it sells. It
re-prices an offer from a search, books it (or holds it), finds a booking again by our own
reference (so that a booking whose outcome was unknown can be settled), and cancels it.

Errors: an adapter raises :class:`BookingOutcomeUnknown` when a booking request may have
reached the supplier but no answer came back (a timeout after sending, a dropped
connection); that must never be retried blindly or sent to another supplier. An offer that
is sold out or no longer exists raises :class:`OfferUnavailableError`. Every other failure is
a :class:`~guidera_grpc.providers.errors.ProviderError` that certainly booked nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2

from guidera_grpc.providers.errors import ProviderError

SupplierStatus = Literal["confirmed", "held", "pending", "cancelled", "failed"]


class OfferUnavailableError(ProviderError):
    """The supplier no longer sells the offer (sold out, expired, unknown)."""

    code = "OFFER_UNAVAILABLE"


class BookingOutcomeUnknown(ProviderError):
    """The booking request may have reached the supplier; nobody knows whether it booked."""

    code = "OUTCOME_UNKNOWN"


@dataclass(frozen=True, slots=True)
class SupplierBooking:
    """A booking as the supplier reports it."""

    status: SupplierStatus
    supplier_reference: str
    total: common_pb2.Money
    hold_expires_at: dt.datetime | None = None
    our_reference: str = ""


class BookingProvider(Protocol):
    """A supplier that re-prices and books the offers it sold in a search.

    ``offer`` is the offer as the search returned it, with this supplier's ProviderPrice
    (``provider_offer_id`` is the supplier's own id, token or rate key). ``our_reference`` is
    the service's booking id: adapters send it to the supplier wherever the supplier keeps a
    client reference, so that ``find`` can look the booking up by it.
    """

    code: str

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """The offer re-priced now: one ProviderPrice (this supplier's), current conditions
        and expiry. Raises OfferUnavailableError when it cannot be sold any more."""
        ...

    async def book(
        self,
        offer: offer_pb2.Offer,
        travelers: Sequence[booking_service_pb2.Traveler],
        *,
        payment_token: str,
        our_reference: str,
        hold: bool,
        timeout_s: float,
    ) -> SupplierBooking:
        """Book (or hold, when ``hold`` and the supplier allows it) the offer."""
        ...

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The booking made under ``our_reference``, or None when the supplier has none."""
        ...

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Cancel a booking; returns it as cancelled."""
        ...

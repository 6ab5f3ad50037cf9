"""Re-pricing and booking: the flow that books an offer once, whatever happens on the way.

Booking an offer:
  1. check the request (travelers, payment token, no card number anywhere);
  2. a second call with the same key waits for the first one's booking and returns it; the
     same key with another request is refused;
  3. the offer comes from the store of recent searches; a pending row is written, sealed
     travelers included, before any supplier is called;
  4. the offer is re-priced: a new price is refused (FAILED_PRECONDITION carrying it, the row
     released) until the client confirms it with ``expected_total``;
  5. the supplier books it. A certain failure moves on to the next supplier that sells the
     same offer; an unknown outcome (the answer lost after sending) marks the booking
     unknown, for reconciliation, and never moves on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Mapping
from decimal import Decimal

import asyncpg
import orjson
from google.protobuf import json_format
from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2

from guidera_grpc.booking import records
from guidera_grpc.booking.checks import (
    check_key,
    check_payment_token,
    check_travelers,
    refuse_card_numbers,
)
from guidera_grpc.booking.offers import OfferStore
from guidera_grpc.booking.presenting import booking_message
from guidera_grpc.booking.sealing import Sealer
from guidera_grpc.errors import (
    FieldViolation,
    InvalidRequest,
    KeyConflict,
    NoProviderAvailable,
    NotFound,
    PreconditionFailed,
)
from guidera_grpc.normalizers.money import format_money, to_decimal
from guidera_grpc.providers.booking import (
    BookingOutcomeUnknown,
    BookingProvider,
    OfferUnavailableError,
    SupplierBooking,
)
from guidera_grpc.providers.errors import InvalidRequestError, ProviderError
from guidera_grpc.resilience.seams import CallObserver, CallRecord, CallStatus
from guidera_grpc.validation.common import Violations, check_text

log = logging.getLogger(__name__)

CATEGORIES = {"flight": "flights", "hotel": "hotels", "car": "cars", "experience": "experiences"}
BOOKING_TIMEOUT_S = 30.0
PRICE_TIMEOUT_S = 10.0
#: How long a second call with the same key waits for the first one's outcome.
WAIT_FOR_FIRST_S = 35.0

BookingProviders = Mapping[str, Mapping[str, BookingProvider]]


class BookingDesk:
    """Books, holds, cancels and finds bookings."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        offers: OfferStore,
        providers: BookingProviders,
        sealer: Sealer,
        observer: CallObserver | None = None,
    ) -> None:
        self._pool = pool
        self._observer = observer
        self._offers = offers
        self._providers = providers
        self._sealer = sealer
        self._inflight: set[asyncio.Task[booking_service_pb2.Booking]] = set()
        self._cancelling: dict[uuid.UUID, asyncio.Lock] = {}

    async def book(
        self, request: booking_service_pb2.BookRequest, *, hold: bool = False
    ) -> booking_service_pb2.Booking:
        """Book (or hold) an offer exactly once for its idempotency key."""
        self._check(request, hold=hold)
        fingerprint = _request_hash(request, hold)
        earlier = await records.by_key(self._pool, request.idempotency_key)
        if earlier is not None:
            return await self._same_as(earlier, fingerprint)
        offer = await self._offer(request.offer_id)
        _check_for(offer, request)
        sellers = self._sellers(offer)
        row = await records.claim(self._pool, self._new(request, fingerprint, offer, sellers[0]))
        if row is None:  # another call took the key between our two reads
            earlier = await records.by_key(self._pool, request.idempotency_key)
            assert earlier is not None
            return await self._same_as(earlier, fingerprint)
        # Once a row is claimed the flow runs to its end even if the client goes away: a
        # supplier call cut off midway would leave a booking nobody recorded.
        flow = asyncio.create_task(self._book_with(row, offer, sellers, request, hold))
        self._inflight.add(flow)
        flow.add_done_callback(self._inflight.discard)
        return await asyncio.shield(flow)

    async def drain(self, timeout_s: float = BOOKING_TIMEOUT_S) -> None:
        """Let bookings in flight finish (at shutdown)."""
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=timeout_s)

    async def get(self, booking_id: str) -> booking_service_pb2.Booking:
        """A booking by id; NOT_FOUND for an unknown id."""
        return booking_message(await self._row(booking_id))

    async def cancel(self, booking_id: str) -> booking_service_pb2.Booking:
        """Cancel a confirmed or held booking with its supplier."""
        row = await self._row(booking_id)
        lock = self._cancelling.setdefault(row.id, asyncio.Lock())
        async with lock:
            row = await self._row(booking_id)
            if row.status == "cancelled":
                return booking_message(row)
            if row.status not in ("confirmed", "held") or not row.supplier_reference:
                raise PreconditionFailed(
                    "NOT_CANCELLABLE", f"a {row.status} booking cannot be cancelled"
                )
            provider = self._provider(row.category, row.provider)
            try:
                await provider.cancel(row.supplier_reference, timeout_s=BOOKING_TIMEOUT_S)
            except InvalidRequestError as error:
                raise PreconditionFailed(
                    "NOT_CANCELLABLE", f"the supplier refused to cancel ({error.code})"
                ) from None
            except ProviderError as error:
                raise NoProviderAvailable(
                    f"the supplier could not cancel now ({error.code}); try again",
                    retry_after_s=30,
                ) from None
            settled = await records.settle(self._pool, row.id, "cancelled", reason="cancelled")
        self._cancelling.pop(row.id, None)
        assert settled is not None
        return booking_message(settled)

    async def list_bookings(
        self, traveler_ref: str, page_size: int, page_token: str
    ) -> booking_service_pb2.ListBookingsResponse:
        """A customer's bookings, newest first, a page at a time."""
        errors = Violations()
        if not traveler_ref:
            errors.add("traveler_ref", "is required")
        check_text(traveler_ref, "traveler_ref", 128, errors)
        if not 0 <= page_size <= 100:
            errors.add("page_size", "must be between 0 and 100")
        before = _read_token(page_token, errors)
        errors.raise_if_any()
        size = page_size or 20
        rows = await records.list_for(self._pool, traveler_ref, before=before, limit=size + 1)
        page = rows[:size]
        token = _token(page[-1]) if len(rows) > size else ""
        return booking_service_pb2.ListBookingsResponse(
            bookings=[booking_message(r) for r in page], next_page_token=token
        )

    def _check(self, request: booking_service_pb2.BookRequest, *, hold: bool) -> None:
        errors = Violations()
        refuse_card_numbers(request, errors)
        check_key(request.idempotency_key, errors)
        if not request.offer_id:
            errors.add("offer_id", "is required: the offer id from a search")
        if not hold:
            check_payment_token(request.payment_token, errors)
        check_text(request.traveler_ref, "traveler_ref", 128, errors)
        if request.HasField("expected_total"):
            _check_amount(request.expected_total, "expected_total", errors)
        check_travelers(request.travelers, needs_birth_date=False, errors=errors)
        errors.raise_if_any()

    async def _same_as(
        self, earlier: records.BookingRow, fingerprint: str
    ) -> booking_service_pb2.Booking:
        if earlier.request_hash != fingerprint:
            raise KeyConflict("this idempotency key was used for another request")
        deadline = time.monotonic() + WAIT_FOR_FIRST_S
        row: records.BookingRow | None = earlier
        while row is not None and row.status == "pending" and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            row = await records.by_key(self._pool, earlier.idempotency_key)
        if row is None:
            raise PreconditionFailed(
                "RETRY", "the first call with this key stopped before booking; send it again"
            )
        return booking_message(row)

    async def _offer(self, offer_id: str) -> offer_pb2.Offer:
        offer = await self._offers.find(offer_id)
        if offer is None:
            raise NotFound(f"offer {offer_id[:64]!r} is unknown or expired; search again")
        return offer

    def _sellers(self, offer: offer_pb2.Offer) -> list[BookingProvider]:
        category = CATEGORIES.get(offer.WhichOneof("details") or "", "")
        sellers = [
            self._providers[category][price.provider]
            for price in offer.provider_prices
            if price.provider in self._providers.get(category, {})
        ]
        if not sellers:
            raise NoProviderAvailable("no supplier of this offer takes bookings here")
        return sellers

    def _provider(self, category: str, code: str) -> BookingProvider:
        provider = self._providers.get(category, {}).get(code)
        if provider is None:
            raise NoProviderAvailable(f"{code} takes no bookings here")
        return provider

    def _new(
        self,
        request: booking_service_pb2.BookRequest,
        fingerprint: str,
        offer: offer_pb2.Offer,
        seller: BookingProvider,
    ) -> records.NewBooking:
        price = _price_of(offer, seller.code)
        travelers = [json_format.MessageToDict(t) for t in request.travelers]
        return records.NewBooking(
            id=uuid.uuid4(),
            idempotency_key=request.idempotency_key,
            request_hash=fingerprint,
            offer_id=offer.offer_id,
            provider=seller.code,
            category=CATEGORIES[offer.WhichOneof("details") or ""],
            total_amount=to_decimal(price),
            currency=price.currency_code,
            travelers_sealed=self._sealer.seal(orjson.dumps(travelers)),
            traveler_ref=request.traveler_ref,
            offer=offer.SerializeToString(),
        )

    async def _book_with(
        self,
        row: records.BookingRow,
        offer: offer_pb2.Offer,
        sellers: list[BookingProvider],
        request: booking_service_pb2.BookRequest,
        hold: bool,
    ) -> booking_service_pb2.Booking:
        last_error = ""
        attempted = False
        for position, seller in enumerate(sellers):
            try:
                priced = await self._priced(row, offer, seller, request, first=position == 0)
            except ProviderError as error:  # gone, or not reachable: nothing was booked
                last_error = error.code
                continue
            if seller.code != row.provider:
                # Recorded before the call: reconciliation must ask the supplier tried.
                await records.switch_provider(self._pool, row.id, seller.code)
            attempted = True
            outcome = await self._attempt(row, priced, seller, request, hold)
            if outcome is not None:
                return outcome
            last_error = "SUPPLIER_REFUSED"
        if not attempted:
            await records.release(self._pool, row.id)
            raise NoProviderAvailable(
                f"no supplier could re-price this offer now ({last_error})", retry_after_s=30
            )
        failed = await records.settle(self._pool, row.id, "failed", reason=last_error)
        assert failed is not None
        return booking_message(failed)

    async def _priced(
        self,
        row: records.BookingRow,
        offer: offer_pb2.Offer,
        seller: BookingProvider,
        request: booking_service_pb2.BookRequest,
        *,
        first: bool,
    ) -> offer_pb2.Offer:
        """The offer re-priced by ``seller``; a changed price releases the row and refuses."""
        seller_offer = for_seller(offer, seller.code)
        try:
            priced = await seller.price(seller_offer, timeout_s=PRICE_TIMEOUT_S)
        except OfferUnavailableError:
            if first and len(offer.provider_prices) == 1:
                await records.release(self._pool, row.id)
                raise PreconditionFailed(
                    "OFFER_UNAVAILABLE", "the supplier no longer sells this offer"
                ) from None
            raise
        now = priced.price.total
        agreed = request.expected_total if request.HasField("expected_total") else None
        if agreed is None:
            # Unconfirmed, the first seller must hold the price the search showed, the
            # cheapest seller's (which may not take bookings here); a fallback after a failure
            # is held to its own.
            agreed = offer.price.total if first else _price_of(offer, seller.code)
        if not same_money(now, agreed):
            await records.release(self._pool, row.id)
            raise PreconditionFailed(
                "PRICE_CHANGED",
                f"the price is now {format_money(now)}; book again with expected_total set",
                {"new_total": format_money(now), "provider": seller.code},
            )
        return priced

    async def _attempt(
        self,
        row: records.BookingRow,
        priced: offer_pb2.Offer,
        seller: BookingProvider,
        request: booking_service_pb2.BookRequest,
        hold: bool,
    ) -> booking_service_pb2.Booking | None:
        """One supplier's booking; None when it certainly failed, so the next may try."""
        started = dt.datetime.now(dt.UTC)
        try:
            made = await seller.book(
                priced,
                request.travelers,
                payment_token=request.payment_token,
                our_reference=records.our_reference(row.id),
                hold=hold,
                timeout_s=BOOKING_TIMEOUT_S,
            )
        except BookingOutcomeUnknown:
            self._observe(row, seller.code, started, "timeout", "OUTCOME_UNKNOWN")
            log.warning("booking outcome unknown", extra={"fields": {"booking_id": str(row.id)}})
            unknown = await records.settle(
                self._pool, row.id, "unknown", reason="OUTCOME_UNKNOWN", provider=seller.code
            )
            assert unknown is not None
            return booking_message(unknown)
        except ProviderError as error:
            self._observe(row, seller.code, started, "error", error.code)
            log.info(
                "supplier refused a booking",
                extra={"fields": {"provider": seller.code, "error_code": error.code}},
            )
            return None
        self._observe(row, seller.code, started, "success", "")
        return await self._record(row, seller.code, made, priced.price.total)

    def _observe(
        self,
        row: records.BookingRow,
        provider: str,
        started: dt.datetime,
        status: CallStatus,
        error_code: str,
    ) -> None:
        """Account for a booking call: the call log, the spend and the provider's health."""
        if self._observer is None:
            return
        elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds() * 1000
        self._observer.observe(
            CallRecord(
                provider=provider,
                category=row.category,
                request_type="book",
                status=status,
                started_at=started,
                duration_ms=elapsed,
                endpoint="book",
                error_code=error_code,
            )
        )

    async def _record(
        self,
        row: records.BookingRow,
        provider: str,
        made: SupplierBooking,
        agreed: common_pb2.Money,
    ) -> booking_service_pb2.Booking:
        """Keep the supplier's answer. The total is what the traveler agreed to pay: a
        wholesaler confirms its net rate, which is ours to mark up, not the traveler's."""
        status = made.status if made.status in ("confirmed", "held") else "unknown"
        settled = await records.settle(
            self._pool,
            row.id,
            status,
            supplier_reference=made.supplier_reference,
            provider=provider,
            total=(to_decimal(agreed), agreed.currency_code),
            hold_expires_at=made.hold_expires_at,
        )
        assert settled is not None
        return booking_message(settled)

    async def _row(self, booking_id: str) -> records.BookingRow:
        try:
            key = uuid.UUID(booking_id)
        except ValueError:
            raise InvalidRequest([FieldViolation("booking_id", "is not a booking id")]) from None
        row = await records.by_id(self._pool, key)
        if row is None:
            raise NotFound(f"no booking {booking_id}")
        return row


def _check_amount(amount: common_pb2.Money, field: str, errors: Violations) -> None:
    """A positive amount in an ISO 4217 currency, nanos within their range."""
    valid = (
        len(amount.currency_code) == 3
        and amount.currency_code.isascii()
        and amount.currency_code.isalpha()
        and amount.currency_code.isupper()
        and 0 <= amount.units <= 10**9
        and 0 <= amount.nanos < 10**9
    )
    if not valid:
        errors.add(field, "is an amount such as 412.30 EUR: positive, in an ISO 4217 currency")


def _check_for(offer: offer_pb2.Offer, request: booking_service_pb2.BookRequest) -> None:
    """What the offer needs of the travelers: a package is booked part by part; a flight
    needs one traveler per seat it was priced for, each with a birth date."""
    if offer.HasField("package"):
        raise InvalidRequest(
            [FieldViolation("offer_id", "a package is booked part by part: book its parts")]
        )
    if not offer.HasField("flight"):
        return
    errors = Violations()
    party = offer.travelers
    seats = party.adults + len(party.child_ages) + party.infants
    if seats and seats != len(request.travelers):
        errors.add("travelers", f"the offer is priced for {seats} travelers")
    for index, traveler in enumerate(request.travelers):
        if not traveler.birth_date:
            errors.add(f"travelers[{index}].birth_date", "is required to book a flight")
    errors.raise_if_any()


def for_seller(offer: offer_pb2.Offer, provider: str) -> offer_pb2.Offer:
    """The offer with only ``provider``'s price, as that supplier sold it."""
    copy = offer_pb2.Offer()
    copy.CopyFrom(offer)
    price = next(p for p in offer.provider_prices if p.provider == provider)
    del copy.provider_prices[:]
    copy.provider_prices.append(price)
    copy.price.CopyFrom(price.price)
    return copy


def _price_of(offer: offer_pb2.Offer, provider: str) -> common_pb2.Money:
    for price in offer.provider_prices:
        if price.provider == provider:
            return price.price.total
    return offer.price.total


def same_money(a: common_pb2.Money, b: common_pb2.Money) -> bool:
    cent = Decimal("0.01")
    same_amount = to_decimal(a).quantize(cent) == to_decimal(b).quantize(cent)
    return a.currency_code == b.currency_code and same_amount


def _request_hash(request: booking_service_pb2.BookRequest, hold: bool) -> str:
    """The request as booked, without its key: what the same key must always carry."""
    copy = booking_service_pb2.BookRequest()
    copy.CopyFrom(request)
    copy.idempotency_key = ""
    body = copy.SerializeToString(deterministic=True) + (b"hold" if hold else b"book")
    return hashlib.sha256(body).hexdigest()


def _token(row: records.BookingRow) -> str:
    return row.created_at.isoformat()


def _read_token(token: str, errors: Violations) -> dt.datetime | None:
    if not token:
        return None
    try:
        moment = dt.datetime.fromisoformat(token)
        if moment.tzinfo is None or not 2000 <= moment.year <= 2200:
            raise ValueError(token)
        return moment
    except ValueError:
        errors.add("page_token", "is not a page token of this list")
        return None

"""BookingService and OfferService: parse, call the desks, map errors to statuses."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import grpc
from guidera.v1 import (
    booking_service_pb2,
    booking_service_pb2_grpc,
    offer_service_pb2,
    offer_service_pb2_grpc,
)

from guidera_grpc.api.decoding import undecodable
from guidera_grpc.api.request_ids import request_id_for
from guidera_grpc.api.status import abort, abort_internal
from guidera_grpc.errors import GuideraError
from guidera_grpc.runtime import Runtime

log = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")


class BookingServicer(booking_service_pb2_grpc.BookingServiceServicer):
    """Books, holds, cancels and lists bookings."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def Book(
        self, request: booking_service_pb2.BookRequest | None, context: Context
    ) -> booking_service_pb2.BookResponse:
        booking = await _answer(context, self._book(request, hold=False))
        return booking_service_pb2.BookResponse(booking=booking)

    async def Hold(
        self, request: booking_service_pb2.HoldRequest | None, context: Context
    ) -> booking_service_pb2.HoldResponse:
        as_book = None
        if request is not None:
            as_book = booking_service_pb2.BookRequest(
                idempotency_key=request.idempotency_key,
                offer_id=request.offer_id,
                travelers=request.travelers,
                traveler_ref=request.traveler_ref,
            )
        booking = await _answer(context, self._book(as_book, hold=True))
        return booking_service_pb2.HoldResponse(booking=booking)

    async def CancelBooking(
        self, request: booking_service_pb2.CancelBookingRequest | None, context: Context
    ) -> booking_service_pb2.CancelBookingResponse:
        booking = await _answer(context, self._cancel(request))
        return booking_service_pb2.CancelBookingResponse(booking=booking)

    async def GetBooking(
        self, request: booking_service_pb2.GetBookingRequest | None, context: Context
    ) -> booking_service_pb2.GetBookingResponse:
        booking = await _answer(context, self._get(request))
        return booking_service_pb2.GetBookingResponse(booking=booking)

    async def ListBookings(
        self, request: booking_service_pb2.ListBookingsRequest | None, context: Context
    ) -> booking_service_pb2.ListBookingsResponse:
        return await _answer(context, self._list(request))

    async def _book(
        self, request: booking_service_pb2.BookRequest | None, *, hold: bool
    ) -> booking_service_pb2.Booking:
        if request is None:
            raise undecodable()
        return await self._runtime.booking_desk().book(request, hold=hold)

    async def _cancel(
        self, request: booking_service_pb2.CancelBookingRequest | None
    ) -> booking_service_pb2.Booking:
        if request is None:
            raise undecodable()
        return await self._runtime.booking_desk().cancel(request.booking_id)

    async def _get(
        self, request: booking_service_pb2.GetBookingRequest | None
    ) -> booking_service_pb2.Booking:
        if request is None:
            raise undecodable()
        return await self._runtime.booking_desk().get(request.booking_id)

    async def _list(
        self, request: booking_service_pb2.ListBookingsRequest | None
    ) -> booking_service_pb2.ListBookingsResponse:
        if request is None:
            raise undecodable()
        return await self._runtime.booking_desk().list_bookings(
            request.traveler_ref, request.page_size, request.page_token
        )


class OfferServicer(offer_service_pb2_grpc.OfferServiceServicer):
    """Re-prices offers from searches."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def GetOffer(
        self, request: offer_service_pb2.GetOfferRequest | None, context: Context
    ) -> offer_service_pb2.GetOfferResponse:
        return await _answer(context, self._get_offer(request))

    async def _get_offer(
        self, request: offer_service_pb2.GetOfferRequest | None
    ) -> offer_service_pb2.GetOfferResponse:
        if request is None:
            raise undecodable()
        return await self._runtime.offer_desk().get_offer(request)


async def _answer(context: Context, work: Awaitable[T]) -> T:
    """Await the desk's work; map our errors to statuses, anything else to INTERNAL."""
    request_id_for("", context)
    try:
        return await work
    except GuideraError as error:
        await abort(context, error)
    except Exception:
        log.exception("booking call failed")
        await abort_internal(context)

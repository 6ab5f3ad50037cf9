"""Bookings as the API shows them: no traveler data, only what the client needs."""

from __future__ import annotations

import datetime as dt

from google.protobuf import timestamp_pb2
from guidera.v1 import booking_service_pb2

from guidera_grpc.booking.records import BookingRow
from guidera_grpc.normalizers.money import to_money

STATUSES = {
    "pending": booking_service_pb2.BOOKING_STATUS_PENDING,
    "confirmed": booking_service_pb2.BOOKING_STATUS_CONFIRMED,
    "held": booking_service_pb2.BOOKING_STATUS_HELD,
    "failed": booking_service_pb2.BOOKING_STATUS_FAILED,
    "unknown": booking_service_pb2.BOOKING_STATUS_UNKNOWN,
    "cancelled": booking_service_pb2.BOOKING_STATUS_CANCELLED,
}


def booking_message(row: BookingRow) -> booking_service_pb2.Booking:
    """The API's view of a stored booking."""
    booking = booking_service_pb2.Booking(
        booking_id=str(row.id),
        offer_id=row.offer_id,
        provider=row.provider,
        status=STATUSES[row.status],
        supplier_reference=row.supplier_reference or "",
        total=to_money(row.total_amount, row.currency),
        create_time=_stamp(row.created_at),
        update_time=_stamp(row.updated_at),
        traveler_ref=row.traveler_ref,
    )
    if row.hold_expires_at is not None:
        booking.hold_expire_time.CopyFrom(_stamp(row.hold_expires_at))
    return booking


def _stamp(moment: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp

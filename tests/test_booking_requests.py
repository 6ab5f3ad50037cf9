"""Booking requests are checked before anything is stored or sent: travelers, the payment
token, the key, and no card number in any field."""

from __future__ import annotations

import logging
import random
import uuid
from typing import TYPE_CHECKING

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import (
    booking_service_pb2,
    booking_service_pb2_grpc,
    offer_service_pb2,
    offer_service_pb2_grpc,
)

from guidera_grpc.booking.checks import looks_like_card, refuse_card_numbers
from guidera_grpc.validation.common import Violations

if TYPE_CHECKING:
    from guidera.v1.booking_service_pb2_grpc import BookingServiceAsyncStub

CARD = "4111 1111 1111 1111"


def _traveler(**fields: str) -> booking_service_pb2.Traveler:
    traveler = booking_service_pb2.Traveler(
        given_name="Ada",
        family_name="Lovelace",
        birth_date="1985-12-10",
        email="ada@example.com",
        phone="+447700900123",
    )
    for name, value in fields.items():
        setattr(traveler, name, value)
    return traveler


def _book(**fields: object) -> booking_service_pb2.BookRequest:
    request = booking_service_pb2.BookRequest(
        idempotency_key="key-1",
        offer_id="off_0123456789abcdef01234567",
        travelers=[_traveler()],
        payment_token="tok_visa_4242",
        traveler_ref="customer-7",
    )
    for name, value in fields.items():
        if name == "travelers":
            del request.travelers[:]
            request.travelers.extend(value)  # type: ignore[arg-type]
        else:
            setattr(request, name, value)
    return request


@pytest.fixture
def booking_stub(channel: grpc.aio.Channel) -> BookingServiceAsyncStub:
    return booking_service_pb2_grpc.BookingServiceStub(channel)


def _violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found: dict[str, str] = {}
    for detail in status.details if status else ():
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            for violation in bad.field_violations:
                found[violation.field] = f"{found.get(violation.field, '')} {violation.description}"
    return found


async def _refused(
    stub: BookingServiceAsyncStub, request: booking_service_pb2.BookRequest
) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.Book(request, timeout=5)
    return caught.value


def test_card_numbers_are_recognised_by_their_check_digit() -> None:
    assert looks_like_card("4111111111111111")
    assert looks_like_card("pay with 5500-0000-0000-0004 please")
    assert not looks_like_card("4111111111111112")
    assert not looks_like_card("+447700900123")


def test_uuid_keys_never_pass_for_card_numbers_but_a_card_beside_one_does() -> None:
    """Digits across a UUID's groups pass the Luhn check now and then (this key did); UUIDs,
    hyphenated or not, are how clients make keys, so they are not read as cards."""
    draw = random.Random(270)
    for key in (
        "cli-5f148c28-1863-4554-9126-fb18b4730ab5",
        "5f148c28186345549126fb18b4730ab5",
        *(f"cli-{uuid.UUID(int=draw.getrandbits(128), version=4)}" for _ in range(5000)),
        *(uuid.UUID(int=draw.getrandbits(128), version=4).hex for _ in range(5000)),
    ):
        errors = Violations()
        refuse_card_numbers(_book(idempotency_key=key), errors)
        assert not errors.items, key
    for key in (
        f"5f148c28-1863-4554-9126-fb18b4730ab5-{CARD}",
        "41111111111111114111111111111111",
        "4111111111111111deadbeefdeadbeef",
        "41111111111111112027031000000000",
        "4111111111111111-1111-1111-1111-111111111111",
        "41111111-1111-1111-1111-111111111111",
    ):
        errors = Violations()
        refuse_card_numbers(_book(idempotency_key=key), errors)
        assert [v.field for v in errors.items] == ["idempotency_key"], key


@pytest.mark.parametrize(
    "request_",
    [
        _book(payment_token=CARD),
        _book(traveler_ref=f"card {CARD}"),
        _book(travelers=[_traveler(family_name=CARD)]),
        _book(traveler_ref="cust-4111.1111.1111.1111"),
        _book(idempotency_key="k_4111_1111_1111_1111_x"),
        _book(travelers=[_traveler(email="4111.1111.1111.1111@example.com")]),
        _book(traveler_ref="c-74111111111111111"),
    ],
    ids=["payment_token", "traveler_ref", "family_name", "dots", "underscores", "email", "run"],
)
async def test_a_card_number_in_any_field_is_refused_and_never_logged(
    booking_stub: BookingServiceAsyncStub,
    request_: booking_service_pb2.BookRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    error = await _refused(booking_stub, request_)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert any("card number" in text for text in _violations(error).values())
    digits = CARD.replace(" ", "")
    assert digits not in caplog.text
    assert CARD not in caplog.text
    assert CARD not in (error.details() or "")


async def test_travelers_and_keys_are_checked_field_by_field(
    booking_stub: BookingServiceAsyncStub,
) -> None:
    request = _book(
        idempotency_key="",
        payment_token="",
        travelers=[_traveler(given_name="", birth_date="2990-01-01", email="nope", phone="12")],
    )

    violations = _violations(await _refused(booking_stub, request))

    assert set(violations) >= {
        "idempotency_key",
        "payment_token",
        "travelers[0].given_name",
        "travelers[0].birth_date",
        "travelers[0].email",
        "travelers[0].phone",
    }


async def test_an_unknown_offer_is_not_found(booking_stub: BookingServiceAsyncStub) -> None:
    error = await _refused(booking_stub, _book())
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_get_offer_of_an_unknown_offer_is_not_found(channel: grpc.aio.Channel) -> None:
    stub = offer_service_pb2_grpc.OfferServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.GetOffer(offer_service_pb2.GetOfferRequest(offer_id="off_nothing"), timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_booking_id_that_is_no_id_is_invalid(booking_stub: BookingServiceAsyncStub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await booking_stub.GetBooking(
            booking_service_pb2.GetBookingRequest(booking_id="nope"), timeout=5
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT

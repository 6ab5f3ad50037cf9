"""``guidera offer``, ``book``, ``bookings`` and ``cancel``: re-price and book from a terminal."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from google.protobuf import json_format
from guidera.v1 import (
    booking_service_pb2,
    booking_service_pb2_grpc,
    common_pb2,
    offer_service_pb2,
    offer_service_pb2_grpc,
)
from rich.console import Console

from guidera_grpc.cli.connect import (
    ApiKeyOpt,
    Connection,
    TargetOpt,
    TlsCaOpt,
    TlsCertOpt,
    TlsKeyOpt,
)
from guidera_grpc.cli.render import format_money
from guidera_grpc.cli.search_cmd import call_or_exit


def _show(message: Any) -> None:
    print(json_format.MessageToJson(message, indent=2, ensure_ascii=False))


def offer(
    offer_id: Annotated[str, typer.Argument(help="The offer id from a search.")],
    provider: Annotated[str, typer.Option(help="Re-price with this seller.")] = "",
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Re-price an offer with its supplier and show whether the price changed."""
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    with connection.channel() as channel:
        stub = offer_service_pb2_grpc.OfferServiceStub(channel)
        request = offer_service_pb2.GetOfferRequest(offer_id=offer_id, provider=provider)
        metadata = connection.metadata()
        with Console(stderr=True).status("asking the supplier for its price now"):
            priced = call_or_exit(lambda: stub.GetOffer(request, timeout=30, metadata=metadata))
        _show_priced(priced)


def _show_priced(reply: offer_service_pb2.GetOfferResponse) -> None:
    """The offer as JSON, then one line on whether its price moved and what to book with."""
    _show(reply)
    seller = reply.offer.provider_prices[0].provider if reply.offer.provider_prices else "seller"
    now = format_money(reply.offer.price.total)
    if reply.price_changed:
        Console(stderr=True).print(
            f"price changed: {format_money(reply.previous_total)} -> {now} ({seller}); "
            f"book with --expected-total '{now}'"
        )
    else:
        Console(stderr=True).print(f"price unchanged: {now} ({seller})")


def book(
    offer_id: Annotated[str, typer.Argument(help="The offer id from a search.")],
    traveler_file: Annotated[
        Path, typer.Option(help="JSON list of travelers (given_name, family_name, ...).")
    ],
    payment_token: Annotated[str, typer.Option(help="A payment token such as tok_...")] = "",
    idempotency_key: Annotated[
        str | None, typer.Option(help="Reuse to retry safely; a new one is made when absent.")
    ] = None,
    expected_total: Annotated[
        str | None, typer.Option(help="Confirm a changed price, e.g. '412.30 EUR'.")
    ] = None,
    traveler_ref: Annotated[str, typer.Option(help="Your reference of the customer.")] = "",
    hold: Annotated[bool, typer.Option("--hold", help="Hold instead of paying.")] = False,
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Book (or hold) an offer exactly once."""
    travelers = _travelers(traveler_file)
    key = idempotency_key or f"cli-{uuid.uuid4()}"
    Console(stderr=True).print(f"idempotency key: {key}")
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    with connection.channel() as channel:
        stub = booking_service_pb2_grpc.BookingServiceStub(channel)
        metadata = connection.metadata()
        if hold:
            held = booking_service_pb2.HoldRequest(
                idempotency_key=key,
                offer_id=offer_id,
                travelers=travelers,
                traveler_ref=traveler_ref,
            )
            _show(call_or_exit(lambda: stub.Hold(held, timeout=60, metadata=metadata)))
            return
        request = booking_service_pb2.BookRequest(
            idempotency_key=key,
            offer_id=offer_id,
            travelers=travelers,
            payment_token=payment_token,
            traveler_ref=traveler_ref,
        )
        if expected_total:
            request.expected_total.CopyFrom(_money(expected_total))
        # Some suppliers confirm only after polling, which takes seconds: say what we wait for.
        with Console(stderr=True).status("waiting for the supplier's confirmation"):
            _show(call_or_exit(lambda: stub.Book(request, timeout=60, metadata=metadata)))


def _travelers(path: Path) -> list[booking_service_pb2.Traveler]:
    """The travelers of ``--traveler-file``; a clear error naming the option when unreadable."""
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ValueError("expected a JSON list of objects, one a traveler")
        return [json_format.ParseDict(e, booking_service_pb2.Traveler()) for e in entries]
    except (OSError, ValueError, json_format.ParseError) as error:
        raise typer.BadParameter(str(error), param_hint="--traveler-file") from None
    except RecursionError:
        raise typer.BadParameter("nested too deeply", param_hint="--traveler-file") from None


def _money(text: str) -> common_pb2.Money:
    """``--expected-total`` such as '412.30 EUR' as Money."""
    match = re.fullmatch(r"\s*(\d{1,12})(?:\.(\d{1,9}))?\s+([A-Za-z]{3})\s*", text)
    if match is None:
        raise typer.BadParameter(
            "expected an amount and a currency, e.g. '412.30 EUR'", param_hint="--expected-total"
        )
    units, cents, currency = match.groups()
    return common_pb2.Money(
        currency_code=currency.upper(),
        units=int(units),
        nanos=int((cents or "0").ljust(9, "0")),
    )


def bookings(
    traveler_ref: Annotated[str, typer.Option(help="The customer's reference.")],
    page_token: Annotated[str, typer.Option(help="From a previous page.")] = "",
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """List a customer's bookings, newest first."""
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    with connection.channel() as channel:
        stub = booking_service_pb2_grpc.BookingServiceStub(channel)
        metadata = connection.metadata()
        request = booking_service_pb2.ListBookingsRequest(
            traveler_ref=traveler_ref, page_token=page_token
        )
        _show(call_or_exit(lambda: stub.ListBookings(request, timeout=10, metadata=metadata)))


def cancel(
    booking_id: Annotated[str, typer.Argument(help="The booking id.")],
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Cancel a booking with its supplier."""
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    with connection.channel() as channel:
        stub = booking_service_pb2_grpc.BookingServiceStub(channel)
        metadata = connection.metadata()
        request = booking_service_pb2.CancelBookingRequest(booking_id=booking_id)
        _show(call_or_exit(lambda: stub.CancelBooking(request, timeout=60, metadata=metadata)))

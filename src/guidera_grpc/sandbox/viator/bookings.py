"""Viator availability and bookings: check, hold, book, status and cancel.

``POST /availability/check`` prices one product on one travel date for a ``paxMix``, one
bookable item per start time. ``POST /bookings/hold`` keeps a price and a place for a while
and hands out the ``bookingRef`` that ``POST /bookings/book`` then confirms under the partner's
``partnerBookingRef``. ``POST /bookings/status`` reads a booking back by either reference (the
sandbox's stand-in for Viator's status call) and ``POST /bookings/{bookingRef}/cancel``
cancels it. The catalog finds a product again from its code alone; prices are the search's
per-person retail price, children at 70 % and infants free. The booking knobs decide sold-out
dates, moved prices, slow confirmations and answers lost after the booking was kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import orjson
from aiohttp import web

from guidera_grpc.sandbox import sales
from guidera_grpc.sandbox.activities.catalog import Experience, Slot, by_product_id
from guidera_grpc.sandbox.activities.specs import VIATOR
from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.flights.money import Currency, currency
from guidera_grpc.sandbox.viator import errors
from guidera_grpc.sandbox.viator.auth import check_headers
from guidera_grpc.sandbox.viator.query import CURRENCIES, ZONE_SLACK
from guidera_grpc.sandbox.viator.search import CONTENT_TYPE
from guidera_grpc.sandbox.wire import BadParameter, json_response, now_utc

CHECK_PATH: Final = "/availability/check"
HOLD_PATH: Final = "/bookings/hold"
BOOK_PATH: Final = "/bookings/book"
STATUS_PATH: Final = "/bookings/status"
CANCEL_PATH: Final = "/bookings/{booking_ref}/cancel"
OPTION_CODE: Final = "TG1"
HOLD_FOR: Final = dt.timedelta(minutes=30)
NET_SHARE: Final = Decimal("0.80")
BANDS: Final = frozenset({"ADULT", "SENIOR", "YOUTH", "CHILD", "INFANT", "TRAVELER"})
_BAND_SHARE: Final = {"CHILD": Decimal("0.70"), "INFANT": Decimal(0)}
_STATUSES: Final = {"confirmed": "CONFIRMED", "cancelled": "CANCELLED", "pending": "PENDING"}


@dataclass(frozen=True, slots=True)
class Wanted:
    """One product, option, date, start time and party, as a check, hold or book asks."""

    code: str
    option: str | None
    start: str | None
    day: dt.date
    money: Currency
    pax: tuple[tuple[str, int], ...]

    @property
    def travelers(self) -> int:
        """Everyone in the party."""
        return sum(count for _, count in self.pax)

    @property
    def key(self) -> str:
        """What the booking knobs decide by: the product and its day."""
        return f"{self.code}|{self.day.isoformat()}"


def booking_routes() -> list[web.RouteDef]:
    """The availability and booking routes."""
    return [
        web.post(CHECK_PATH, check),
        web.post(HOLD_PATH, hold),
        web.post(BOOK_PATH, book),
        web.post(STATUS_PATH, status),
        web.post(CANCEL_PATH, cancel),
    ]


async def check(request: web.Request) -> web.StreamResponse:
    """Every start time of the product on the day, priced for the party."""
    read = await _read(request)
    if isinstance(read, web.StreamResponse):
        return read
    wanted, experience = read
    items = [_item(request, wanted, experience, slot) for slot in _slots(wanted, experience)]
    if not items:
        items = [_closed_item(wanted)]
    body = {
        "productCode": wanted.code,
        "travelDate": wanted.day.isoformat(),
        "currency": wanted.money.code,
        "bookableItems": items,
    }
    return _answer(body)


async def hold(request: web.Request) -> web.StreamResponse:
    """A price and a place kept for one start time; ``bookingRef`` names the hold."""
    read = await _read(request)
    if isinstance(read, web.StreamResponse):
        return read
    wanted, experience = read
    item = _chosen(request, wanted, experience)
    if isinstance(item, web.StreamResponse):
        return item
    available = item["available"]
    body = {
        "bookingRef": f"BR-{request.config_dict[BOOKINGS].next_number():09d}",
        "bookingHoldInfo": {
            "availability": {"status": "HOLDING" if available else "NOT_AVAILABLE"},
            "pricing": {
                "status": "HOLDING" if available else "NOT_HELD",
                "validUntil": (now_utc() + HOLD_FOR).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            },
        },
        "currency": wanted.money.code,
        "lineItems": item["lineItems"],
        "totalPrice": item["totalPrice"],
    }
    return _answer(body)


async def book(request: web.Request) -> web.StreamResponse:
    """Confirm one start time for the party under the partner's ``partnerBookingRef``."""
    body = await _body(request)
    read = await _read(request, body)
    if isinstance(read, web.StreamResponse):
        return read
    wanted, experience = read
    partner_ref = body.get("partnerBookingRef") if body is not None else None
    if not isinstance(partner_ref, str) or not partner_ref.strip():
        return errors.bad_request("Invalid request: partnerBookingRef is required")
    if body is None or not _named(body.get("bookerInfo")):
        return errors.bad_request("Invalid request: bookerInfo needs firstName and lastName")
    item = _chosen(request, wanted, experience)
    if isinstance(item, web.StreamResponse):
        return item
    if not item["available"]:
        return _answer(_rejected(wanted, partner_ref))

    ledger = request.config_dict[BOOKINGS]
    held = body.get("bookingRef")
    reference = held if isinstance(held, str) and held.startswith("BR-") else None
    total = item["totalPrice"]["price"]["recommendedRetailPrice"]
    booking = ledger.record(
        SandboxBooking(
            supplier=VIATOR,
            reference=reference or f"BR-{ledger.next_number():09d}",
            our_reference=partner_ref,
            status="confirmed",
            total=Decimal(str(total)),
            currency=wanted.money.code,
            created_at=now_utc(),
            document={
                "productCode": wanted.code,
                "productOptionCode": item["productOptionCode"],
                "travelDate": wanted.day.isoformat(),
                "startTime": item["startTime"],
                "lineItems": item["lineItems"],
                "totalPrice": item["totalPrice"],
                "demo": request.headers.get("exp-demo", "").lower() == "true",
            },
        )
    )
    return await sales.deliver(request, VIATOR, _answer(_rendered(booking)), errors.server_error)


async def status(request: web.Request) -> web.StreamResponse:
    """One booking by ``bookingRef`` or ``partnerBookingRef``; 404 when there is none."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    body = await _body(request)
    by_ref = body.get("bookingRef") if body is not None else None
    by_partner = body.get("partnerBookingRef") if body is not None else None
    ledger = request.config_dict[BOOKINGS]
    if isinstance(by_ref, str) and by_ref:
        found = ledger.get(VIATOR, by_ref)
    elif isinstance(by_partner, str) and by_partner:
        matches = ledger.of(VIATOR, lambda b: b.our_reference == by_partner)
        live = [b for b in matches if b.status != "cancelled"]
        chosen = live or matches
        found = chosen[-1] if chosen else None
    else:
        return errors.bad_request("Invalid request: bookingRef or partnerBookingRef is required")
    if found is None:
        return errors.not_found(request)
    return _answer(_rendered(found))


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel a booking: ``ACCEPTED``, or ``DECLINED`` when it was cancelled already."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    body = await _body(request)
    reason = body.get("reasonCode") if body is not None else None
    if not isinstance(reason, str) or not reason:
        return errors.bad_request("Invalid request: reasonCode is required")
    reference = request.match_info["booking_ref"]
    booking = request.config_dict[BOOKINGS].get(VIATOR, reference)
    if booking is None:
        return errors.not_found(request)
    if booking.status == "cancelled":
        return _answer(
            {"bookingId": reference, "status": "DECLINED", "reason": "ALREADY_CANCELLED"}
        )
    booking.status = "cancelled"
    return _answer({"bookingId": reference, "status": "ACCEPTED"})


async def _body(request: web.Request) -> Mapping[str, Any] | None:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, Mapping) else None


async def _read(
    request: web.Request, body: Mapping[str, Any] | None = None
) -> tuple[Wanted, Experience] | web.StreamResponse:
    """The request's product, day and party, or the error it deserves."""
    denied = check_headers(request)
    if denied is not None:
        return denied
    if body is None:
        body = await _body(request)
    if body is None:
        return errors.bad_request("Malformed JSON in the request body")
    try:
        wanted = _wanted(body, dt.date.today())
    except BadParameter as bad:
        return errors.bad_request(f"Invalid request: {bad.field}: {bad.detail}")
    experience = by_product_id(VIATOR, wanted.code)
    if experience is None or experience.listings[VIATOR].product_id != wanted.code:
        return errors.error(404, "NOT_FOUND", f"Product {wanted.code[:40]} not found")
    return wanted, experience


def _wanted(body: Mapping[str, Any], today: dt.date) -> Wanted:
    code = body.get("productCode")
    if not isinstance(code, str) or not code.strip():
        raise BadParameter("productCode", "productCode is required")
    return Wanted(
        code=code.strip(),
        option=_optional_text(body.get("productOptionCode"), "productOptionCode"),
        start=_optional_text(body.get("startTime"), "startTime"),
        day=_day(body.get("travelDate"), today),
        money=_currency(body.get("currency")),
        pax=_pax(body.get("paxMix")),
    )


def _optional_text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadParameter(field, "must be a non-empty string")
    return value.strip()


def _day(value: object, today: dt.date) -> dt.date:
    if not isinstance(value, str):
        raise BadParameter("travelDate", "travelDate is required (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter("travelDate", f"{value!r} is not a date in YYYY-MM-DD format") from None
    if day < today - ZONE_SLACK:
        raise BadParameter("travelDate", "travelDate cannot be in the past")
    return day


def _currency(value: object) -> Currency:
    code = value.strip().upper() if isinstance(value, str) else ""
    found = currency(code) if code in CURRENCIES else None
    if found is None:
        raise BadParameter("currency", f"unsupported currency {value!r}")
    return found


def _pax(value: object) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, list) or not value:
        raise BadParameter("paxMix", "paxMix needs at least one age band")
    pax: list[tuple[str, int]] = []
    for entry in value:
        band = entry.get("ageBand") if isinstance(entry, Mapping) else None
        count = entry.get("numberOfTravelers") if isinstance(entry, Mapping) else None
        if band not in BANDS:
            raise BadParameter("paxMix.ageBand", f"must be one of {', '.join(sorted(BANDS))}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BadParameter("paxMix.numberOfTravelers", "must be a whole number of at least 1")
        pax.append((str(band), count))
    return tuple(pax)


def _slots(wanted: Wanted, experience: Experience) -> list[Slot]:
    if wanted.option not in (None, OPTION_CODE):
        return []
    return [
        slot
        for slot in experience.slots(wanted.day)
        if wanted.start is None or slot.start.strftime("%H:%M") == wanted.start
    ]


def _item(
    request: web.Request, wanted: Wanted, experience: Experience, slot: Slot
) -> dict[str, Any]:
    """One start time, priced now, and whether the party still fits."""
    unit_eur = sales.current_amount(
        request, VIATOR, wanted.key, experience.listings[VIATOR].price_eur
    )
    unit = wanted.money.from_eur(unit_eur)
    lines = [_line(wanted.money, band, count, unit) for band, count in wanted.pax]
    retail = sum((_retail_of(line) for line in lines), Decimal(0))
    net = _rounded(retail * NET_SHARE, wanted.money)
    item: dict[str, Any] = {
        "productOptionCode": OPTION_CODE,
        "startTime": slot.start.strftime("%H:%M"),
        "available": True,
        "lineItems": lines,
        "totalPrice": {
            "price": {
                "recommendedRetailPrice": float(retail),
                "partnerNetPrice": float(net),
                "bookingFee": 0,
                "partnerTotalPrice": float(net),
            }
        },
    }
    if sales.sold_out(request, VIATOR, wanted.key) or slot.places_left == 0:
        item.update(available=False, unavailableReason="SOLD_OUT")
    elif slot.places_left < wanted.travelers:
        item.update(available=False, unavailableReason="TRAVELER_MISMATCH")
    return item


def _closed_item(wanted: Wanted) -> dict[str, Any]:
    return {
        "productOptionCode": wanted.option or OPTION_CODE,
        "available": False,
        "unavailableReason": "NOT_OPERATING",
    }


def _chosen(
    request: web.Request, wanted: Wanted, experience: Experience
) -> dict[str, Any] | web.StreamResponse:
    """The one start time a hold or a booking names; it must name one."""
    if wanted.start is None:
        return errors.bad_request("Invalid request: startTime is required")
    slots = _slots(wanted, experience)
    if not slots:
        return errors.bad_request(
            f"Invalid request: the product does not start at {wanted.start} on {wanted.day}"
        )
    return _item(request, wanted, experience, slots[0])


def _line(money: Currency, band: str, count: int, unit: Decimal) -> dict[str, Any]:
    each = _rounded(unit * _BAND_SHARE.get(band, Decimal(1)), money)
    retail = each * count
    return {
        "ageBand": band,
        "numberOfTravelers": count,
        "subtotalPrice": {
            "price": {
                "recommendedRetailPrice": float(retail),
                "partnerNetPrice": float(_rounded(retail * NET_SHARE, money)),
            }
        },
    }


def _retail_of(line: Mapping[str, Any]) -> Decimal:
    return Decimal(str(line["subtotalPrice"]["price"]["recommendedRetailPrice"]))


def _rounded(amount: Decimal, money: Currency) -> Decimal:
    return amount.quantize(money.quantum, rounding=ROUND_HALF_UP)


def _named(value: object) -> bool:
    if not isinstance(value, Mapping):
        return False
    return all(isinstance(value.get(k), str) and value.get(k) for k in ("firstName", "lastName"))


def _rejected(wanted: Wanted, partner_ref: str) -> dict[str, Any]:
    return {
        "status": "REJECTED",
        "rejectionReasonCode": "BOOKABLE_ITEM_IS_NO_LONGER_AVAILABLE",
        "partnerBookingRef": partner_ref,
        "currency": wanted.money.code,
    }


def _rendered(booking: SandboxBooking) -> dict[str, Any]:
    document = booking.document
    return {
        "status": _STATUSES.get(booking.status, "PENDING"),
        "bookingRef": booking.reference,
        "partnerBookingRef": booking.our_reference,
        "currency": booking.currency,
        "productCode": document.get("productCode"),
        "productOptionCode": document.get("productOptionCode"),
        "travelDate": document.get("travelDate"),
        "startTime": document.get("startTime"),
        "lineItems": document.get("lineItems", []),
        "totalPrice": document.get("totalPrice", {}),
        "cancellationPolicy": {"type": "STANDARD"},
        "voucherInfo": {
            "url": f"https://www.viator.com/ticket?code={booking.reference}",
            "format": "HTML",
        },
    }


def _answer(body: Mapping[str, Any]) -> web.Response:
    return json_response(
        body, content_type=CONTENT_TYPE, headers={errors.UNIQUE_ID_HEADER: errors.unique_id()}
    )

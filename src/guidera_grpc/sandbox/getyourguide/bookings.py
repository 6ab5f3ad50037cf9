"""GetYourGuide price breakdown, bookings and carts.

``POST /1/tours/{tour_id}/price-breakdown`` prices one start time for the participants of each
ticket category (adult 1, child 2, infant 3). ``POST /1/bookings`` reserves it in a new
shopping cart: a ``temp`` booking under the partner's ``external_reference_id``, kept until
``reservation_expires_at``, at the price the request states (another price is refused).
``POST /1/carts`` confirms and pays the cart: its bookings become ``confirmed``. ``GET`` and
``DELETE /1/bookings/{booking_hash}`` read and cancel one; ``GET /1/bookings`` filtered by
``external_reference_id`` is the sandbox's own way to find one again by the partner's
reference. Tours are per person (children 70 %, infants free) or per group, as searched; the
booking knobs decide sold-out days, moved prices, slow confirmations and lost answers.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import orjson
from aiohttp import web

from guidera_grpc.sandbox import sales
from guidera_grpc.sandbox.activities.catalog import Experience, Slot, by_product_id
from guidera_grpc.sandbox.activities.specs import GYG
from guidera_grpc.sandbox.bookings import BOOKINGS, SandboxBooking
from guidera_grpc.sandbox.flights.money import EUR, Currency, currency
from guidera_grpc.sandbox.getyourguide import errors
from guidera_grpc.sandbox.getyourguide.query import LANGUAGES
from guidera_grpc.sandbox.getyourguide.render import metadata
from guidera_grpc.sandbox.getyourguide.search import check_token
from guidera_grpc.sandbox.wire import BadParameter, json_response, now_utc, wall_clock

BREAKDOWN_PATH: Final = "/1/tours/{tour_id:\\d+}/price-breakdown"
BOOKINGS_PATH: Final = "/1/bookings"
BOOKING_PATH: Final = "/1/bookings/{booking_hash}"
CARTS_PATH: Final = "/1/carts"
CATEGORIES: Final = {
    1: ("adult", Decimal(1)),
    2: ("child", Decimal("0.70")),
    3: ("infant", Decimal(0)),
}
RESERVED_FOR: Final = dt.timedelta(minutes=60)
PRICE_MISMATCH: Final = 31
NOT_AVAILABLE: Final = 32
_STATUSES: Final = {"held": "temp", "confirmed": "confirmed", "cancelled": "canceled"}


def booking_routes() -> list[web.RouteDef]:
    """The price, booking and cart routes."""
    return [
        web.post(BREAKDOWN_PATH, price_breakdown),
        web.post(BOOKINGS_PATH, reserve),
        web.get(BOOKINGS_PATH, list_bookings, allow_head=False),
        web.get(BOOKING_PATH, get_booking, allow_head=False),
        web.delete(BOOKING_PATH, cancel),
        web.post(CARTS_PATH, checkout),
    ]


async def price_breakdown(request: web.Request) -> web.StreamResponse:
    """One start time priced for the participants, and whether they still fit."""
    method = "getTourPriceBreakdownAction"
    denied = check_token(request)
    if denied is not None:
        return denied
    experience = by_product_id(GYG, request.match_info["tour_id"])
    if experience is None:
        return errors.not_found(request)
    try:
        money, data = _read(await _body(request), "data")
        start = _start(data.get("datetime"))
        people = _categories(data.get("categories"))
    except BadParameter as bad:
        return errors.invalid(request, bad.field, bad.detail, method)
    slot = _slot(experience, start)
    breakdown = {
        "tour_id": int(request.match_info["tour_id"]),
        "option_id": _option_id(experience),
        "datetime": wall_clock(start),
        "currency": money.code,
        "available": slot is not None and _fits(request, experience, slot, people),
        "vacancies": slot.places_left if slot is not None else 0,
        "total_price": float(_total(request, experience, start.date(), money, people)),
        "categories": [
            {"category_id": category, "name": CATEGORIES[category][0], "number_of_participants": n}
            for category, n in people.items()
        ],
    }
    meta = metadata(method, "", money, total=1, limit=1, offset=0, languages=["en"])
    return json_response({"_metadata": meta, "data": {"price_breakdown": breakdown}})


async def reserve(request: web.Request) -> web.StreamResponse:
    """A ``temp`` booking in a new cart, at the price the partner states."""
    method = "postBookingAction"
    denied = check_token(request)
    if denied is not None:
        return denied
    try:
        money, data = _read(await _body(request), "data")
        bookable = _object(_object(data.get("booking"), "booking").get("bookable"), "bookable")
        option_id = bookable.get("option_id")
        start = _start(bookable.get("datetime"))
        people = _categories(bookable.get("categories"))
        price = _price(bookable.get("price"))
        reference = bookable.get("external_reference_id")
        if not isinstance(reference, str) or not reference.strip():
            raise BadParameter("external_reference_id", "missing required parameter")
    except BadParameter as bad:
        return errors.invalid(request, bad.field, bad.detail, method)
    experience = _by_option(option_id)
    if experience is None:
        return errors.not_found(request)
    slot = _slot(experience, start)
    if slot is None or not _fits(request, experience, slot, people):
        return errors.error(request, 400, NOT_AVAILABLE, "The activity is not available", method)
    total = _total(request, experience, start.date(), money, people)
    if total != price:
        return errors.error(request, 400, PRICE_MISMATCH, "The price has changed", method)

    booking = _record(request, experience, start, money, total, reference.strip())
    return json_response({"_metadata": _meta(method, money), "data": _rendered(booking)})


async def checkout(request: web.Request) -> web.StreamResponse:
    """Confirm and pay a cart: each of its bookings becomes ``confirmed``."""
    method = "postCartAction"
    denied = check_token(request)
    if denied is not None:
        return denied
    try:
        money, data = _read(await _body(request), "data")
        cart = _object(data.get("shopping_cart"), "shopping_cart")
        cart_hash = cart.get("shopping_cart_hash")
        if not isinstance(cart_hash, str) or not cart_hash:
            raise BadParameter("shopping_cart_hash", "missing required parameter")
        traveler = _object(cart.get("traveler"), "traveler")
        if not all(isinstance(traveler.get(k), str) for k in ("first_name", "last_name")):
            raise BadParameter("traveler", "first_name and last_name are required")
        _object(cart.get("billing"), "billing")
        _object(cart.get("payment"), "payment")
    except BadParameter as bad:
        return errors.invalid(request, bad.field, bad.detail, method)
    ledger = request.config_dict[BOOKINGS]
    held = ledger.of(GYG, lambda b: b.document.get("shopping_cart_hash") == cart_hash)
    if not held:
        return errors.not_found(request)
    if any(b.status == "cancelled" for b in held):
        return errors.error(request, 400, NOT_AVAILABLE, "The cart has expired", method)

    for booking in held:
        booking.status = "confirmed"
    body = {
        "shopping_cart_id": held[0].document["shopping_cart_id"],
        "shopping_cart_hash": cart_hash,
        "status": "completed",
        "bookings": [_rendered(booking) for booking in held],
    }
    answer = json_response({"_metadata": _meta(method, money), "data": {"shopping_cart": body}})
    return await sales.deliver(request, GYG, answer, errors.server_error)


async def list_bookings(request: web.Request) -> web.StreamResponse:
    """The bookings made under one ``external_reference_id``, oldest first."""
    denied = check_token(request)
    if denied is not None:
        return denied
    wanted = request.query.get("external_reference_id", "")
    if not wanted:
        return errors.invalid(
            request, "external_reference_id", "missing required parameter", "getBookingsAction"
        )
    found = request.config_dict[BOOKINGS].of(GYG, lambda b: b.our_reference == wanted)
    money = currency(found[0].currency) if found else None
    meta = _meta("getBookingsAction", money or EUR)
    return json_response({"_metadata": meta, "data": {"bookings": [_rendered(b) for b in found]}})


async def get_booking(request: web.Request) -> web.StreamResponse:
    """One booking by its hash."""
    denied = check_token(request)
    if denied is not None:
        return denied
    booking = request.config_dict[BOOKINGS].get(GYG, request.match_info["booking_hash"])
    if booking is None:
        return errors.not_found(request)
    meta = _meta("getBookingAction", currency(booking.currency) or EUR)
    return json_response({"_metadata": meta, "data": {"bookings": [_rendered(booking)]}})


async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel one booking; cancelling twice answers the cancelled booking again."""
    denied = check_token(request)
    if denied is not None:
        return denied
    booking = request.config_dict[BOOKINGS].get(GYG, request.match_info["booking_hash"])
    if booking is None:
        return errors.not_found(request)
    booking.status = "cancelled"
    meta = _meta("deleteBookingAction", currency(booking.currency) or EUR)
    return json_response({"_metadata": meta, "data": {"bookings": [_rendered(booking)]}})


async def _body(request: web.Request) -> object:
    try:
        return orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None


def _read(body: object, part: str) -> tuple[Currency, Mapping[str, Any]]:
    """The currency of ``base_data`` and the request's ``part``."""
    root = _object(body, "body")
    base = _object(root.get("base_data"), "base_data")
    language = base.get("cnt_language")
    if not isinstance(language, str) or language.lower() not in LANGUAGES:
        raise BadParameter("cnt_language", "missing or unsupported language")
    code = base.get("currency")
    money = currency(code.strip()) if isinstance(code, str) else None
    if money is None:
        raise BadParameter("currency", "missing or unsupported currency")
    return money, _object(root.get(part), part)


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise BadParameter(field, "must be an object")
    return value


def _start(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise BadParameter("datetime", "missing required parameter")
    try:
        start = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter("datetime", f"{value!r} is not YYYY-MM-DDTHH:MM:SS") from None
    if start.tzinfo is not None:
        raise BadParameter("datetime", "a local time without an offset is expected")
    if start.date() < dt.date.today():
        raise BadParameter("datetime", "the date is in the past")
    return start


def _categories(value: object) -> dict[int, int]:
    if not isinstance(value, list) or not value:
        raise BadParameter("categories", "at least one category is required")
    people: dict[int, int] = {}
    for entry in value:
        item = _object(entry, "categories")
        category, count = item.get("category_id"), item.get("number_of_participants")
        if category not in CATEGORIES:
            raise BadParameter("category_id", f"unknown category {category!r}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BadParameter("number_of_participants", "must be at least 1")
        people[int(category)] = people.get(int(category), 0) + count
    return people


def _price(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadParameter("price", "missing required parameter")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise BadParameter("price", f"{value!r} is not a number") from None


def _option_id(experience: Experience) -> int:
    return int(experience.listings[GYG].product_id) * 10 + 1


def _by_option(option_id: object) -> Experience | None:
    if not isinstance(option_id, int) or isinstance(option_id, bool) or option_id % 10 != 1:
        return None
    return by_product_id(GYG, str(option_id // 10))


def _slot(experience: Experience, start: dt.datetime) -> Slot | None:
    return next((slot for slot in experience.slots(start.date()) if slot.start == start), None)


def _key(experience: Experience, day: dt.date) -> str:
    return f"{experience.listings[GYG].product_id}|{day.isoformat()}"


def _fits(
    request: web.Request, experience: Experience, slot: Slot, people: Mapping[int, int]
) -> bool:
    if sales.sold_out(request, GYG, _key(experience, slot.start.date())):
        return False
    return slot.places_left >= sum(people.values())


def _total(
    request: web.Request,
    experience: Experience,
    day: dt.date,
    money: Currency,
    people: Mapping[int, int],
) -> Decimal:
    """What the participants pay now: per person by category, or once per group."""
    listing = experience.listings[GYG]
    unit = money.from_eur(
        sales.current_amount(request, GYG, _key(experience, day), listing.price_eur)
    )
    if experience.spec.per_group:
        return unit
    total = Decimal(0)
    for category, count in people.items():
        share = CATEGORIES[category][1]
        total += (unit * share).quantize(money.quantum, rounding=ROUND_HALF_UP) * count
    return total


def _record(
    request: web.Request,
    experience: Experience,
    start: dt.datetime,
    money: Currency,
    total: Decimal,
    reference: str,
) -> SandboxBooking:
    ledger = request.config_dict[BOOKINGS]
    number = ledger.next_number()
    cart_number = 70_000_000 + number
    return ledger.record(
        SandboxBooking(
            supplier=GYG,
            reference=secrets.token_hex(8).upper(),
            our_reference=reference,
            status="held",
            total=total,
            currency=money.code,
            created_at=now_utc(),
            document={
                "booking_id": 50_000_000 + number,
                "shopping_cart_id": cart_number,
                "shopping_cart_hash": secrets.token_hex(8).upper(),
                "tour_id": int(experience.listings[GYG].product_id),
                "option_id": _option_id(experience),
                "datetime": wall_clock(start),
                "reservation_expires_at": wall_clock(now_utc() + RESERVED_FOR) + "Z",
            },
        )
    )


def _rendered(booking: SandboxBooking) -> dict[str, Any]:
    return {
        **booking.document,
        "booking_hash": booking.reference,
        "external_reference_id": booking.our_reference,
        "status": _STATUSES.get(booking.status, "temp"),
        "return_code": "OK",
        "currency": booking.currency,
        "total_price": float(booking.total),
    }


def _meta(method: str, money: Currency) -> dict[str, Any]:
    return metadata(method, "", money, total=1, limit=1, offset=0, languages=["en"])

"""CarTrawler reservations: every OTA message on ``POST /cartrawlerota/json?type=...``.

CarTrawler serves all its messages on one path and tells them apart by ``type``:

* ``OTA_VehAvailRateRQ`` is the search. When its ``VehAvailRQCore`` narrows it to one vendor
  (``VendorPrefs/VendorPref/@Code``) and one ACRISS class (``VehPrefs/VehPref/@Code``) it is a
  rate check before booking: the booking knobs apply there (a sold-out car is left out, a
  moved price is 6 % higher), never to an ordinary search.
* ``OTA_VehResRQ`` books the car whose ``VehResRQInfo/Reference/@ID`` an availability answer
  handed out, for ``VehResRQCore/Customer/Primary``, under the client's own reference in
  ``VehResRQCore/UniqueID`` (any ``@ID_Context`` but CARTRAWLER). Card data is refused: this
  endpoint takes a payment token (``RentalPaymentPref/Voucher/@Identifier``) or nothing.
* ``OTA_VehRetResRQ`` finds a booking by ``VehRetResRQCore/UniqueID``: our ``ConfID`` when its
  ``@ID_Context`` is CARTRAWLER, the client's reference otherwise.
* ``OTA_VehCancelRQ`` cancels the booking named by ``VehCancelRQCore/UniqueID``.

References are digests of the rental (see ``cars.catalog``), so they cannot be read back: the
emulator remembers the last ``MAX_CARS`` cars it showed, as CarTrawler's references expire.
Bookings go to the sandbox's shared ledger before the answer, which the knobs may then delay
or lose.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from typing import Any, Final

import orjson
from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox import sales
from guidera_grpc.sandbox.bookings import BOOKINGS, BookingState, SandboxBooking
from guidera_grpc.sandbox.cars.catalog import CarOffer, find_car_offers
from guidera_grpc.sandbox.cartrawler import errors
from guidera_grpc.sandbox.cartrawler.ota import VERSION, Json, envelope
from guidera_grpc.sandbox.cartrawler.query import (
    MISSING,
    attribute,
    from_body,
    requestor_id,
    target,
)
from guidera_grpc.sandbox.cartrawler.render import availability
from guidera_grpc.sandbox.cartrawler.search import search
from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import BadParameter, json_response, now_utc, wall_clock

SUPPLIER: Final = "cartrawler"
MAX_CARS: Final = 5_000
#: Every car of a rate check, not only the first ``offers`` of a search.
ALL_CARS: Final = 10_000
NO_AVAILABILITY: Final = "424"
UNKNOWN_RESERVATION: Final = "245"
RESERVATION: Final = "14"
OUR_CONTEXT: Final = "CARTRAWLER"
_STATUSES: Final[dict[BookingState, str]] = {
    "confirmed": "Reserved",
    "held": "On Hold",
    "pending": "Pending",
    "cancelled": "Cancelled",
}

Handler = Callable[[web.Request, Mapping[str, Any]], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class ShownCar:
    """A car an availability answer showed, in the currency it was shown in."""

    offer: CarOffer
    currency: Currency


class ShownCars:
    """The last cars shown, by their ``Reference/@ID``."""

    def __init__(self) -> None:
        self._cars: OrderedDict[str, ShownCar] = OrderedDict()

    def remember(self, offers: tuple[CarOffer, ...], currency: Currency) -> None:
        """Keep ``offers``; the oldest go past ``MAX_CARS``."""
        for offer in offers:
            self._cars[offer.reference] = ShownCar(offer, currency)
            self._cars.move_to_end(offer.reference)
        while len(self._cars) > MAX_CARS:
            self._cars.popitem(last=False)

    def get(self, reference: str) -> ShownCar | None:
        """The car shown under ``reference``, or None when it is unknown or forgotten."""
        return self._cars.get(reference)


SHOWN = web.AppKey("cartrawler_shown_cars", ShownCars)


def setup(app: web.Application) -> None:
    """Give the sub-application its memory of the cars shown."""
    app[SHOWN] = ShownCars()


async def ota_message(request: web.Request) -> web.StreamResponse:
    """Route one OTA message by its ``type``, after reading the body and the client id."""
    message_type = request.query.get("type", "")
    handler = _HANDLERS.get(message_type)
    if handler is None:
        return errors.unsupported_type(message_type)
    body = await _body(request)
    if body is None:
        return errors.unreadable_body()
    if message_type == AVAILABILITY and not _narrowed(body):
        return await _searched(request, body)
    if requestor_id(body) != SANDBOX_CREDENTIALS["cartrawler_client_id"]:
        return errors.bad_client(requestor_id(body), target(body))
    return await handler(request, body)


async def _body(request: web.Request) -> Mapping[str, Any] | None:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


def _node(parent: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    node = parent
    for key in path:
        value = node.get(key)
        node = value if isinstance(value, Mapping) else {}
    return node


def _narrowed(body: Mapping[str, Any]) -> bool:
    core = _node(body, "VehAvailRQCore")
    return bool(_vendor_wanted(core) and _class_wanted(core))


def _vendor_wanted(core: Mapping[str, Any]) -> str:
    return attribute(_node(core, "VendorPrefs", "VendorPref"), "Code").upper()


def _class_wanted(core: Mapping[str, Any]) -> str:
    return attribute(_node(core, "VehPrefs", "VehPref"), "Code").upper()


async def _searched(request: web.Request, body: Mapping[str, Any]) -> web.StreamResponse:
    """An ordinary search, answered by the search handler; the cars it showed are kept."""
    answer = await search(request)
    if answer.status == 200 and requestor_id(body) == SANDBOX_CREDENTIALS["cartrawler_client_id"]:
        try:
            parsed = from_body(body)
        except BadParameter:
            return answer
        limit = request.config_dict[SANDBOX].knobs[SUPPLIER].offers
        shown = find_car_offers(parsed.query, parsed.currency, limit)
        request.app[SHOWN].remember(shown, parsed.currency)
    return answer


async def check_rate(request: web.Request, body: Mapping[str, Any]) -> web.StreamResponse:
    """One vendor's cars of one class, as they sell now; sold-out ones are left out."""
    answer_target = target(body)
    try:
        parsed = from_body(body)
    except BadParameter as bad:
        return _refused(bad, answer_target)
    core = _node(body, "VehAvailRQCore")
    vendor, acriss = _vendor_wanted(core), _class_wanted(core)
    cars = tuple(
        offer
        for offer in find_car_offers(parsed.query, parsed.currency, ALL_CARS)
        if offer.rental.vendor.code == vendor
        and offer.rental.vehicle.acriss == acriss
        and not sales.sold_out(request, SUPPLIER, offer.reference)
    )
    request.app[SHOWN].remember(cars, parsed.currency)
    as_sold = [_as_sold(request, car) for car in cars]
    version = attribute(body, "Version") or VERSION
    return json_response(availability(as_sold, parsed, answer_target, version))


def _refused(bad: BadParameter, answer_target: str) -> web.Response:
    if bad.detail == MISSING:
        return errors.missing(bad.field, answer_target)
    return errors.invalid(bad.field, bad.detail, answer_target)


def _as_sold(request: web.Request, offer: CarOffer) -> CarOffer:
    """``offer`` at today's price: its daily rate up 6 % when the knobs moved it."""
    quote = offer.quote
    daily = sales.current_amount(request, SUPPLIER, offer.reference, quote.daily)
    if daily == quote.daily:
        return offer
    daily = daily.quantize(quote.currency.quantum, rounding=ROUND_HALF_UP)
    return dataclasses.replace(offer, quote=dataclasses.replace(quote, daily=daily))


async def reserve(request: web.Request, body: Mapping[str, Any]) -> web.StreamResponse:
    """Book the referenced car for the customer, under the client's reference."""
    answer_target = target(body)
    core, info = _node(body, "VehResRQCore"), _node(body, "VehResRQInfo")
    reference = attribute(_node(info, "Reference"), "ID")
    ours = _client_reference(core.get("UniqueID"))
    name = _node(core, "Customer", "Primary", "PersonName")
    if not reference:
        return errors.missing("VehResRQInfo/Reference/@ID", answer_target)
    if not ours:
        return errors.missing("VehResRQCore/UniqueID/@ID", answer_target)
    if not (_text(name.get("GivenName")) and _text(name.get("Surname"))):
        return errors.missing("VehResRQCore/Customer/Primary/PersonName", answer_target)
    if _node(info, "RentalPaymentPref", "PaymentCard"):
        detail = "card data is only taken on the secure payment host"
        return errors.invalid("VehResRQInfo/RentalPaymentPref/PaymentCard", detail, answer_target)

    shown = request.app[SHOWN].get(reference)
    if shown is None or sales.sold_out(request, SUPPLIER, reference):
        return _no_availability(answer_target)
    car = _as_sold(request, shown.offer)
    booking = _record(request, car, shown.currency, ours, name)
    answer = json_response(
        {**envelope(answer_target), "Success": {}, "VehResRSCore": _reservation(booking)}
    )
    return await sales.deliver(request, SUPPLIER, answer, errors.server_error)


def _text(value: object) -> str:
    if isinstance(value, Mapping):
        value = value.get("#text")
    return value.strip() if isinstance(value, str) else ""


def _unique_ids(value: object) -> list[Mapping[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, Mapping)]


def _client_reference(value: object) -> str:
    """The ``@ID`` of the first UniqueID in the client's own context."""
    for unique in _unique_ids(value):
        if attribute(unique, "ID_Context").upper() != OUR_CONTEXT:
            return attribute(unique, "ID")
    return ""


def _no_availability(answer_target: str) -> web.Response:
    text = "the vehicle referenced is no longer available"
    issue = errors.Issue(errors.BUSINESS_RULE, NO_AVAILABILITY, "No availability", text)
    return errors.errors(issue, target=answer_target)


def _record(
    request: web.Request,
    car: CarOffer,
    currency: Currency,
    ours: str,
    name: Mapping[str, Any],
) -> SandboxBooking:
    ledger = request.config_dict[BOOKINGS]
    rental, quote = car.rental, car.quote
    number = f"{rental.pick_up.country}{100 + secrets.randbelow(900)}{ledger.next_number():07d}"
    segment = {
        "Vendor": {"@Code": rental.vendor.code, "@CompanyShortName": rental.vendor.name},
        "VehRentalCore": {
            "@PickUpDateTime": wall_clock(rental.pick_up_at),
            "PickUpLocation": {"@LocationCode": rental.pick_up.code, "@Name": rental.pick_up.name},
            "ReturnLocation": {
                "@LocationCode": rental.drop_off.code,
                "@Name": rental.drop_off.name,
            },
        },
        "Vehicle": {"@Code": rental.vehicle.acriss, "@CodeContext": "SIPP"},
        "TotalCharge": {
            "@RateTotalAmount": format_amount(quote.rate, currency),
            "@EstimatedTotalAmount": format_amount(quote.total, currency),
            "@CurrencyCode": currency.code,
        },
    }
    customer = {
        "Primary": {
            "PersonName": {
                "GivenName": _text(name.get("GivenName")),
                "Surname": _text(name.get("Surname")),
            }
        }
    }
    return ledger.record(
        SandboxBooking(
            supplier=SUPPLIER,
            reference=number,
            our_reference=ours,
            status="confirmed",
            total=quote.total,
            currency=currency.code,
            created_at=now_utc(),
            document={"Customer": customer, "VehSegmentCore": segment},
        )
    )


def _reservation(booking: SandboxBooking) -> Json:
    """A ``VehResRSCore``-like element: the reservation, its status and both references."""
    segment = {
        **booking.document.get("VehSegmentCore", {}),
        "ConfID": [
            {"@Type": RESERVATION, "@ID": booking.reference, "@ID_Context": OUR_CONTEXT},
            {"@Type": RESERVATION, "@ID": booking.our_reference, "@ID_Context": "CLIENT"},
        ],
    }
    return {
        "VehReservation": {
            "@ReservationStatus": _STATUSES[booking.status],
            "@CreateDateTime": booking.created_at.isoformat(),
            "Customer": booking.document.get("Customer", {}),
            "VehSegmentCore": segment,
        }
    }


async def retrieve(request: web.Request, body: Mapping[str, Any]) -> web.StreamResponse:
    """The booking named by our ConfID or by the client's reference; live ones first."""
    answer_target = target(body)
    uniques = _unique_ids(_node(body, "VehRetResRQCore").get("UniqueID"))
    if not uniques:
        return errors.missing("VehRetResRQCore/UniqueID", answer_target)
    booking = _booking_named(request, uniques)
    if booking is None:
        return _unknown_reservation(answer_target)
    return json_response(
        {**envelope(answer_target), "Success": {}, "VehRetResRSCore": _reservation(booking)}
    )


def _booking_named(request: web.Request, uniques: list[Mapping[str, Any]]) -> SandboxBooking | None:
    ledger = request.config_dict[BOOKINGS]
    for unique in uniques:
        wanted = attribute(unique, "ID")
        if attribute(unique, "ID_Context").upper() == OUR_CONTEXT:
            found = ledger.get(SUPPLIER, wanted)
            if found is not None:
                return found
            continue
        made = [b for b in ledger.of(SUPPLIER) if b.our_reference == wanted]
        live = [booking for booking in made if booking.status != "cancelled"]
        if live or made:
            return (live or made)[-1]
    return None


def _unknown_reservation(answer_target: str) -> web.Response:
    text = "no reservation matches the identifier given"
    issue = errors.Issue(errors.BUSINESS_RULE, UNKNOWN_RESERVATION, "Unknown reservation", text)
    return errors.errors(issue, target=answer_target)


async def cancel(request: web.Request, body: Mapping[str, Any]) -> web.StreamResponse:
    """Cancel the booking our ConfID names; cancelling twice answers the same."""
    answer_target = target(body)
    core = _node(body, "VehCancelRQCore")
    uniques = [
        unique
        for unique in _unique_ids(core.get("UniqueID"))
        if attribute(unique, "ID_Context").upper() == OUR_CONTEXT
    ]
    if not uniques:
        return errors.missing("VehCancelRQCore/UniqueID", answer_target)
    booking = _booking_named(request, uniques)
    if booking is None:
        return _unknown_reservation(answer_target)
    booking.status = "cancelled"
    cancelled = {
        "@CancelStatus": "Cancelled",
        "UniqueID": {"@Type": RESERVATION, "@ID": booking.reference, "@ID_Context": OUR_CONTEXT},
    }
    return json_response(
        {
            **envelope(answer_target),
            "Success": {},
            "VehCancelRSCore": cancelled,
            "VehCancelRSInfo": _reservation(booking),
        }
    )


AVAILABILITY: Final = "OTA_VehAvailRateRQ"
_HANDLERS: Final[dict[str, Handler]] = {
    AVAILABILITY: check_rate,
    "OTA_VehResRQ": reserve,
    "OTA_VehRetResRQ": retrieve,
    "OTA_VehCancelRQ": cancel,
}

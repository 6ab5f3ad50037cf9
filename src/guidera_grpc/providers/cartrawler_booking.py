"""CarTrawler car booking: rate check, ``OTA_VehResRQ``, ``OTA_VehRetResRQ``, ``OTA_VehCancelRQ``.

Every message is posted to ``/cartrawlerota/json?type=<message>`` with the client id in
``POS/Source/RequestorID``, as the search does.

``price`` asks ``OTA_VehAvailRateRQ`` again for the offer's places and times, narrowed to its
vendor (``VendorPrefs``) and ACRISS class (``VehPrefs``), and takes the car with the offer's
``Reference/@ID``, else the same vendor's car of that class nearest the offer's price (the
offer does not carry the driver's age the search used, so the re-query asks for the default
age, and a young driver's reference may differ). No such car: ``OfferUnavailableError``.

``book`` sends ``OTA_VehResRQ`` with the car's ``Reference`` in ``VehResRQInfo``, the first
traveler as ``Customer/Primary`` and driver (age on the pick-up day in ``DriverType``), and our
reference as ``VehResRQCore/UniqueID`` (``@Type`` 14, reservation; ``@ID_Context`` GUIDERA).
Payment is the token in ``RentalPaymentPref/Voucher/@Identifier``, never a card, so no call
goes to CarTrawler's card host. The ``ConfID`` in CarTrawler's context is the supplier
reference. CarTrawler confirms at once and has no hold. ``find`` sends ``OTA_VehRetResRQ``
with the same ``UniqueID``; ``cancel`` sends ``OTA_VehCancelRQ`` with the ``ConfID``.

An ``Errors`` answer with code 424 (no availability) is ``OfferUnavailableError``; code 245
(unknown reservation) is "none" for ``find``; the rest is translated by the search adapter's
``error_from``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import aiohttp
from guidera.v1 import booking_service_pb2, offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.cartrawler_cars import attr, normalize_cartrawler_cars, ota_items
from guidera_grpc.normalizers.common import Json, field_map, parse_local_time
from guidera_grpc.normalizers.money import parse_money, to_decimal
from guidera_grpc.providers.booking import (
    OfferUnavailableError,
    SupplierBooking,
    SupplierStatus,
)
from guidera_grpc.providers.booking_support import (
    age_on,
    repriced,
    seller_price,
    send_booking,
    split_phone,
)
from guidera_grpc.providers.cartrawler import (
    AVAILABILITY,
    CODE,
    NAMESPACE,
    OTA_PATH,
    VERSION,
    availability_request,
    error_from,
    read_body,
)
from guidera_grpc.providers.errors import (
    InvalidRequestError,
    MalformedResponseError,
    ProviderError,
)
from guidera_grpc.providers.http import Call, Deadline, Reply, exchange, require_secret
from guidera_grpc.search.params import CarSearch

RESERVE: Final = "OTA_VehResRQ"
RETRIEVE: Final = "OTA_VehRetResRQ"
CANCEL: Final = "OTA_VehCancelRQ"
#: OpenTravel UIT code of a reservation identifier.
RESERVATION_ID_TYPE: Final = "14"
OUR_CONTEXT: Final = "GUIDERA"
SUPPLIER_CONTEXT: Final = "CARTRAWLER"
NO_AVAILABILITY: Final = "424"
UNKNOWN_RESERVATION: Final = "245"
_STATUSES: Final[dict[str, SupplierStatus]] = {
    "reserved": "confirmed",
    "committed": "confirmed",
    "confirmed": "confirmed",
    "on hold": "held",
    "pending": "pending",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


class CarTrawlerBooking:
    """Books CarTrawler car rentals (``BookingProvider``); no hold."""

    code = CODE
    hold_supported = False

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self._session = session
        self._base_url = settings.cartrawler_base_url.rstrip("/")
        self._client_id = settings.cartrawler_client_id
        self._target = settings.cartrawler_target

    async def price(self, offer: offer_pb2.Offer, *, timeout_s: float) -> offer_pb2.Offer:
        """The same car re-priced now; ``OfferUnavailableError`` when it is no longer sold."""
        reference = seller_price(offer, CODE).provider_offer_id
        search = _search_of(offer)
        client_id = self._client_id_text()
        body = availability_request(search, client_id, self._target)
        body["VehAvailRQCore"]["VendorPrefs"] = {
            "VendorPref": {"@CodeContext": "CARTRAWLER", "@Code": offer.car.vendor.iata_code}
        }
        body["VehAvailRQCore"]["VehPrefs"] = {
            "VehPref": {"@Code": offer.car.acriss_code, "@CodeContext": "SIPP"}
        }

        answer = await self._send(AVAILABILITY, body, Deadline(CODE, timeout_s))
        fresh = [
            car
            for car in normalize_cartrawler_cars(answer, search)
            if car.car.vendor.iata_code == offer.car.vendor.iata_code
            and car.car.acriss_code == offer.car.acriss_code
        ]
        if not fresh:
            raise OfferUnavailableError(CODE, "the car is no longer available")
        return repriced(offer, _same_car(fresh, reference, offer))

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
        """Reserve the car for the first traveler, under ``UniqueID`` = ``our_reference``."""
        if hold:
            raise InvalidRequestError(CODE, "CarTrawler rentals cannot be held")
        if not travelers:
            raise InvalidRequestError(CODE, "a rental needs a driver")
        reference = seller_price(offer, CODE).provider_offer_id
        body = self._envelope()
        body["VehResRQCore"] = _reservation_core(offer, travelers[0], our_reference)
        body["VehResRQInfo"] = {
            "@PassengerQty": str(len(travelers)),
            "RentalPaymentPref": {"Voucher": {"@Identifier": payment_token}},
            "Reference": {"@Type": "16", "@ID": reference, "@ID_Context": SUPPLIER_CONTEXT},
        }

        answer = await self._send(RESERVE, body, Deadline(CODE, timeout_s), books=True)
        return _booking(field_map(answer, "VehResRSCore"), our_reference)

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The rental reserved under ``our_reference``, or None when CarTrawler has none."""
        body = self._envelope()
        body["VehRetResRQCore"] = {"UniqueID": _our_id(our_reference)}
        try:
            answer = await self._send(RETRIEVE, body, Deadline(CODE, timeout_s))
        except _UnknownReservation:
            return None
        return _booking(field_map(answer, "VehRetResRSCore"), our_reference)

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Cancel the rental whose ``ConfID`` is ``supplier_reference``."""
        body = self._envelope()
        body["VehCancelRQCore"] = {
            "@CancelType": "Book",
            "UniqueID": {
                "@Type": RESERVATION_ID_TYPE,
                "@ID": supplier_reference,
                "@ID_Context": SUPPLIER_CONTEXT,
            },
        }
        answer = await self._send(CANCEL, body, Deadline(CODE, timeout_s))
        return _booking(field_map(answer, "VehCancelRSInfo"), "")

    def _client_id_text(self) -> str:
        return require_secret(CODE, self._client_id, "CARTRAWLER_CLIENT_ID")

    def _envelope(self) -> dict[str, Any]:
        return {
            "@xmlns": NAMESPACE,
            "@Version": VERSION,
            "@Target": self._target,
            "@PrimaryLangID": "EN",
            "POS": {
                "Source": {
                    "RequestorID": {
                        "@Type": "16",
                        "@ID": self._client_id_text(),
                        "@ID_Context": SUPPLIER_CONTEXT,
                    }
                }
            },
        }

    async def _send(
        self, message: str, body: Mapping[str, Any], deadline: Deadline, *, books: bool = False
    ) -> Mapping[str, Any]:
        """Post one OTA message; an ``Errors`` answer becomes ours."""
        client_id = self._client_id_text()
        call = Call(
            "POST",
            f"{self._base_url}{OTA_PATH}",
            {"Content-Type": "application/json", "Accept": "application/json"},
            params={"type": message},
            json=body,
        )
        send = send_booking if books else exchange
        reply = await send(self._session, CODE, call, deadline)
        answer = read_body(reply)
        if not reply.ok or answer is None or "Errors" in answer:
            raise _error(reply, answer, client_id)
        return answer


class _UnknownReservation(ProviderError):
    """CarTrawler knows no reservation by the identifier sent."""

    code = "UNKNOWN_RESERVATION"


def _error(reply: Reply, answer: Mapping[str, Any] | None, client_id: str) -> ProviderError:
    """Sold out and unknown reservations by their OTA code; the rest as the search's."""
    translated = error_from(reply, (client_id,))
    issues = ota_items(answer.get("Errors"), "Error") if answer is not None else []
    codes = {attr(issue, "Code") for issue in issues}
    if reply.status < 500 and NO_AVAILABILITY in codes:
        return OfferUnavailableError(CODE, translated.message, http_status=reply.status)
    if reply.status < 500 and UNKNOWN_RESERVATION in codes:
        return _UnknownReservation(CODE, translated.message, http_status=reply.status)
    return translated


def _search_of(offer: offer_pb2.Offer) -> CarSearch:
    """The availability query the offer answers, with the search's default driver age."""
    car = offer.car
    pick_up = car.pick_up.iata_code or car.pick_up.city_code
    drop_off = car.drop_off.iata_code or car.drop_off.city_code or pick_up
    if not (pick_up and car.pick_up_local_time and car.drop_off_local_time):
        raise InvalidRequestError(CODE, "the offer has no rental places and times")
    return CarSearch(
        pick_up=pick_up,
        drop_off=drop_off,
        pick_up_at=parse_local_time(car.pick_up_local_time),
        drop_off_at=parse_local_time(car.drop_off_local_time),
        currency=offer.price.total.currency_code or "EUR",
    )


def _same_car(
    fresh: Sequence[offer_pb2.Offer], reference: str, offer: offer_pb2.Offer
) -> offer_pb2.Offer:
    """The fresh car with ``reference``, else the one nearest the offer's price."""
    for car in fresh:
        if car.provider_prices[0].provider_offer_id == reference:
            return car
    promised = to_decimal(offer.price.total)

    def distance(car: offer_pb2.Offer) -> Decimal:
        return abs(to_decimal(car.price.total) - promised)

    return min(fresh, key=distance)


def _our_id(our_reference: str) -> Json:
    return {"@Type": RESERVATION_ID_TYPE, "@ID": our_reference, "@ID_Context": OUR_CONTEXT}


def _reservation_core(
    offer: offer_pb2.Offer, driver: booking_service_pb2.Traveler, our_reference: str
) -> dict[str, Any]:
    """``VehResRQCore``: our reference, the rental, the driver as primary customer."""
    car = offer.car
    core: dict[str, Any] = {
        "@Status": "All",
        "UniqueID": _our_id(our_reference),
        "VehRentalCore": {
            "@PickUpDateTime": car.pick_up_local_time,
            "@ReturnDateTime": car.drop_off_local_time,
            "PickUpLocation": {"@CodeContext": "IATA", "@LocationCode": car.pick_up.iata_code},
            "ReturnLocation": {"@CodeContext": "IATA", "@LocationCode": car.drop_off.iata_code},
        },
        "Customer": {"Primary": _primary(driver)},
    }
    pick_up_day = dt.date.fromisoformat(car.pick_up_local_time[:10])
    age = age_on(driver, pick_up_day)
    if age is not None:
        core["DriverType"] = {"@Age": str(age)}
    return core


def _primary(driver: booking_service_pb2.Traveler) -> dict[str, Any]:
    """``Customer/Primary``: name, and e-mail and telephone when the traveler gave them."""
    primary: dict[str, Any] = {
        "PersonName": {"GivenName": driver.given_name, "Surname": driver.family_name}
    }
    if driver.phone:
        country, number = split_phone(driver.phone)
        primary["Telephone"] = {
            "@PhoneTechType": "1",
            "@CountryAccessCode": country,
            "@PhoneNumber": number,
        }
    if driver.email:
        primary["Email"] = {"@EmailType": "2", "#text": driver.email}
    return primary


def _booking(holder: Mapping[str, Any], our_reference: str) -> SupplierBooking:
    """A ``VehReservation`` (under ``holder``) as a booking."""
    reservation = field_map(holder, "VehReservation")
    segment = field_map(reservation, "VehSegmentCore")
    ids = ota_items(segment.get("ConfID"))
    supplier_ids = [i for i in ids if attr(i, "ID_Context").upper() == SUPPLIER_CONTEXT]
    confirmation = supplier_ids[0] if supplier_ids else (ids[0] if ids else {})
    reference = attr(confirmation, "ID")
    if not reference:
        raise MalformedResponseError(CODE, "the reservation has no ConfID")
    charge = field_map(segment, "TotalCharge")
    amount = attr(charge, "EstimatedTotalAmount") or attr(charge, "RateTotalAmount")
    status = attr(reservation, "ReservationStatus").casefold()
    return SupplierBooking(
        status=_STATUSES.get(status, "pending"),
        supplier_reference=reference,
        total=parse_money(amount, attr(charge, "CurrencyCode")),
        our_reference=our_reference or _client_id_of(ids),
    )


def _client_id_of(ids: Sequence[Json]) -> str:
    for unique in ids:
        if attr(unique, "ID_Context").upper() != SUPPLIER_CONTEXT:
            return attr(unique, "ID")
    return ""

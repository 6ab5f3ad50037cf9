"""Amadeus Self-Service flight booking: Flight Offers Price and Flight Create Orders.

Both calls take the flight offer exactly as the search returned it, which our ``Offer`` does not
keep. So the adapter searches again, narrowly (the offer's own slices, dates, cabin, currency
and party, through the search adapter's request builder), picks the offer whose segments are
the same flights at the same times, and posts that: ``POST /v1/shopping/flight-offers/pricing``
to re-price it, then ``POST /v1/booking/flight-orders`` with the priced offer to book it. An
offer no longer found, or refused as unknown (4926) or unsellable (34651), is
:class:`OfferUnavailableError`.

Our reference travels as the order's first general remark
(``remarks.general[0] = {subType: GENERAL_MISCELLANEOUS, text: <our reference>}``), which
Amadeus keeps in the PNR. Self-Service has no search of orders, so ``find`` uses the sandbox's
``GET /v1/booking/flight-orders?remark=``; against the real Amadeus it would need the order id
saved before the answer was lost, or the queue the office receives orders on. ``cancel`` is
``DELETE /v1/booking/flight-orders/{id}`` after reading the order for its total. Amadeus has no
hold in Self-Service: a hold is booked.

The login is the flight search adapter's (one token per client id); errors are translated by
its ``error_from``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import aiohttp
from guidera.v1 import booking_service_pb2, common_pb2, offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.amadeus_flights import normalize_amadeus_flights
from guidera_grpc.normalizers.common import Json, as_mapping, field_list, field_map, field_str
from guidera_grpc.normalizers.money import parse_money
from guidera_grpc.providers.amadeus import CODE, AmadeusFlights, error_from, is_stale_token
from guidera_grpc.providers.booking import OfferUnavailableError, SupplierBooking
from guidera_grpc.providers.errors import InvalidRequestError, MalformedResponseError
from guidera_grpc.providers.flight_booking_support import (
    Kinded,
    Party,
    departure_day,
    kinds_of,
    party_of,
    repriced,
    send_booking,
    split_phone,
)
from guidera_grpc.providers.http import Call, Deadline, Reply, decode_json, exchange, lenient_json
from guidera_grpc.search.params import FlightSearch, SliceSpec

PRICING_PATH: Final = "/v1/shopping/flight-offers/pricing"
ORDERS_PATH: Final = "/v1/booking/flight-orders"
#: Offer refusals that mean "no longer sold": unknown or expired offer, segment sell failure.
UNAVAILABLE_CODES: Final = frozenset({"4926", "34651"})
CHILD_AGE_FOR_SEARCH: Final = 8
_TRAVELER_TYPES: Final = {"adult": "ADULT", "child": "CHILD", "infant": "HELD_INFANT"}


class AmadeusFlightBooking:
    """The Amadeus flight booking adapter (``BookingProvider``)."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        login: AmadeusFlights | None = None,
        max_offers: int = 250,
    ) -> None:
        """``login`` is the flight adapter whose access token to share; a private one if None.
        ``max_offers`` bounds the narrow search that finds the offer again."""
        self._session = session
        self._base_url = settings.amadeus_base_url.rstrip("/")
        self._login = login if login is not None else AmadeusFlights(session, settings)
        self._max_offers = max_offers

    async def price(
        self, offer: offer_pb2.Offer, *, timeout_s: float, party: Party | None = None
    ) -> offer_pb2.Offer:
        """The offer confirmed at today's price for ``party`` (one adult unless given)."""
        deadline = Deadline(CODE, timeout_s)
        priced, dictionaries = await self._priced(offer, party or Party(), deadline)
        fresh = normalize_amadeus_flights({"data": [priced], "dictionaries": dictionaries})
        if not fresh:
            raise MalformedResponseError(CODE, "the priced offer could not be read")
        return repriced(offer, CODE, fresh[0])

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
        """Price the offer for the travelers, then create the flight order.

        ``payment_token`` is not sent: Self-Service orders are paid through the consolidator.
        """
        deadline = Deadline(CODE, timeout_s)
        people = kinds_of(travelers, departure_day(offer))
        priced, _ = await self._priced(offer, party_of(people), deadline)

        body = {
            "data": {
                "type": "flight-order",
                "flightOffers": [priced],
                "travelers": _travelers(priced, people),
                "remarks": {
                    "general": [{"subType": "GENERAL_MISCELLANEOUS", "text": our_reference}]
                },
                "ticketingAgreement": {"option": "CONFIRM"},
            }
        }
        answer = await self._send(
            lambda t: self._call("POST", ORDERS_PATH, t, json=body),
            deadline,
            booking=True,
            offer_call=True,
        )
        return _booking(_data(answer), our_reference)

    async def find(self, our_reference: str, *, timeout_s: float) -> SupplierBooking | None:
        """The live order whose first general remark is ``our_reference``, or None."""
        deadline = Deadline(CODE, timeout_s)
        params = {"remark": our_reference}
        body = await self._send(
            lambda t: self._call("GET", ORDERS_PATH, t, params=params), deadline
        )
        orders = [as_mapping(order) for order in field_list(body, "data")]
        return _booking(orders[0], our_reference) if orders else None

    async def cancel(self, supplier_reference: str, *, timeout_s: float) -> SupplierBooking:
        """Read the order (for its total and our reference), then delete it."""
        deadline = Deadline(CODE, timeout_s)
        path = f"{ORDERS_PATH}/{supplier_reference}"
        order = _data(await self._send(lambda t: self._call("GET", path, t), deadline))
        await self._send(lambda t: self._call("DELETE", path, t), deadline, empty=True)

        return dataclasses.replace(_booking(order, _remark(order)), status="cancelled")

    async def _priced(
        self, offer: offer_pb2.Offer, party: Party, deadline: Deadline
    ) -> tuple[Json, Json]:
        """The offer as Amadeus prices it now, with the pricing answer's dictionaries."""
        raw = await self._found_again(offer, party, deadline)
        request = {"data": {"type": "flight-offers-pricing", "flightOffers": [raw]}}
        body = await self._send(
            lambda t: self._call("POST", PRICING_PATH, t, json=request, override=True),
            deadline,
            offer_call=True,
        )
        offers = field_list(_data(body), "flightOffers")
        if not offers:
            raise MalformedResponseError(CODE, "the pricing answer holds no flight offer")
        return as_mapping(offers[0]), field_map(body, "dictionaries")

    async def _found_again(self, offer: offer_pb2.Offer, party: Party, deadline: Deadline) -> Json:
        """The search's own JSON of ``offer``, from a narrow search for the same flights."""
        search = _narrow_search(offer, party)
        wanted = _flights_of(offer)
        body = await self._send(lambda t: self._login._search_call(search, t), deadline)
        for raw in (as_mapping(item) for item in field_list(body, "data")):
            if _raw_flights(raw) == wanted:
                return raw
        raise OfferUnavailableError(CODE, "the offer's flights are no longer sold together")

    async def _send(
        self,
        build: Callable[[str], Call],
        deadline: Deadline,
        *,
        booking: bool = False,
        offer_call: bool = False,
        empty: bool = False,
    ) -> Json:
        """Send with the shared token (once more with a new one if Amadeus calls it stale)
        and read the answer: the one place where this adapter's refusals become errors."""
        credentials = self._login._credentials()
        send = send_booking if booking else exchange
        token = await self._login._access_token(credentials, deadline)
        reply = await send(self._session, CODE, build(token), deadline)
        if is_stale_token(reply):
            self._login._token.discard(token)
            token = await self._login._access_token(credentials, deadline)
            reply = await send(self._session, CODE, build(token), deadline)

        if offer_call and reply.status in (400, 404) and _error_codes(reply) & UNAVAILABLE_CODES:
            raise OfferUnavailableError(CODE, f"the offer cannot be sold (HTTP {reply.status})")
        if not reply.ok:
            raise error_from(reply, (*credentials.secrets(), token))
        if empty:
            return {}
        body = decode_json(CODE, reply)
        if not isinstance(body, Mapping):
            raise MalformedResponseError(CODE, "expected a JSON object")
        return body

    def _call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        params: Mapping[str, str] | None = None,
        json: object = None,
        override: bool = False,
    ) -> Call:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if json is not None:
            headers["Content-Type"] = "application/json"
        if override:
            headers["X-HTTP-Method-Override"] = "GET"
        return Call(method, f"{self._base_url}{path}", headers, params=params, json=json)


def _data(body: Json) -> Json:
    data = body.get("data")
    if not isinstance(data, Mapping):
        raise MalformedResponseError(CODE, "expected 'data' to be an object")
    return data


def _narrow_search(offer: offer_pb2.Offer, party: Party) -> FlightSearch:
    """A search for exactly the offer's slices, on their days, in its cabin and currency."""
    slices = tuple(
        SliceSpec(
            journey.segments[0].origin.iata_code,
            journey.segments[-1].destination.iata_code,
            dt.date.fromisoformat(journey.segments[0].departure_local_time[:10]),
        )
        for journey in offer.flight.slices
        if journey.segments
    )
    if not slices:
        raise InvalidRequestError(CODE, "the offer has no flight to book")
    return FlightSearch(
        slices=slices,
        adults=party.adults,
        child_ages=(CHILD_AGE_FOR_SEARCH,) * party.children,
        infants=party.infants,
        cabin=offer.flight.cabin or common_pb2.CABIN_ECONOMY,
        currency=offer.price.total.currency_code or "EUR",
    )


def _flights_of(offer: offer_pb2.Offer) -> tuple[tuple[str, str, str], ...]:
    """Every segment of ``offer`` as (carrier, flight number, local departure)."""
    return tuple(
        (
            segment.marketing_carrier.iata_code,
            segment.marketing_flight_number.lstrip("0"),
            segment.departure_local_time[:16],
        )
        for journey in offer.flight.slices
        for segment in journey.segments
    )


def _raw_flights(raw: Json) -> tuple[tuple[str, str, str], ...]:
    """Every segment of an Amadeus flight offer as (carrier, flight number, local departure)."""
    return tuple(
        (
            field_str(segment, "carrierCode"),
            field_str(segment, "number").lstrip("0"),
            field_str(field_map(segment, "departure"), "at")[:16],
        )
        for itinerary in field_list(raw, "itineraries")
        for segment in (as_mapping(s) for s in field_list(as_mapping(itinerary), "segments"))
    )


def _travelers(priced: Json, people: Sequence[Kinded]) -> list[dict[str, Any]]:
    """Each traveler under the id of the offer's traveler pricing of the same type, in order."""
    ids: dict[str, list[str]] = {}
    for pricing in (as_mapping(p) for p in field_list(priced, "travelerPricings")):
        ids.setdefault(field_str(pricing, "travelerType"), []).append(
            field_str(pricing, "travelerId")
        )
    travelers = []
    for person in people:
        slots = ids.get(_TRAVELER_TYPES[person.kind]) or []
        if not slots:
            raise InvalidRequestError(CODE, "the travelers do not match the priced offer")
        travelers.append(_traveler(slots.pop(0), person))
    if any(ids.values()):
        raise InvalidRequestError(CODE, "the travelers do not match the priced offer")
    return travelers


def _traveler(traveler_id: str, person: Kinded) -> dict[str, Any]:
    traveler = person.traveler
    body: dict[str, Any] = {
        "id": traveler_id,
        "dateOfBirth": traveler.birth_date,
        "name": {"firstName": traveler.given_name, "lastName": traveler.family_name},
    }
    if traveler.gender:
        body["gender"] = "FEMALE" if traveler.gender.lower().startswith("f") else "MALE"
    contact: dict[str, Any] = {}
    if traveler.email:
        contact["emailAddress"] = traveler.email
    if traveler.phone:
        country, number = split_phone(traveler.phone)
        contact["phones"] = [
            {"deviceType": "MOBILE", "countryCallingCode": country, "number": number}
        ]
    if contact:
        body["contact"] = contact
    if traveler.documents:
        body["documents"] = [
            {
                "documentType": document.type or "PASSPORT",
                "number": document.number,
                "expiryDate": document.expiry_date,
                "issuanceCountry": document.issuing_country_code,
                "nationality": document.nationality_country_code,
                "holder": True,
            }
            for document in traveler.documents
        ]
    return body


def _booking(order: Json, our_reference: str) -> SupplierBooking:
    offers = field_list(order, "flightOffers")
    price = field_map(as_mapping(offers[0]), "price") if offers else {}
    order_id = field_str(order, "id")
    if not order_id or not price:
        raise MalformedResponseError(CODE, "the flight order lacks its id or price")
    return SupplierBooking(
        status="confirmed",
        supplier_reference=order_id,
        total=parse_money(price.get("grandTotal") or price.get("total"), price.get("currency")),
        our_reference=our_reference or _remark(order),
    )


def _remark(order: Json) -> str:
    general = field_list(field_map(order, "remarks"), "general")
    return field_str(as_mapping(general[0]), "text") if general else ""


def _error_codes(reply: Reply) -> set[str]:
    body = lenient_json(reply)
    errors = body.get("errors") if isinstance(body, Mapping) else None
    return {str(as_mapping(error).get("code")) for error in errors or []}

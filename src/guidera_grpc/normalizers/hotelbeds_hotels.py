"""Hotelbeds availability (``POST /hotel-api/1.0/hotels``) → unified hotel ``Offer``\\ s.

Hotelbeds sells net: a rate's ``net`` is what we pay, and the traveler pays it plus our markup
(at least ``sellingRate`` when ``hotelMandatory`` says it is the floor). Each rate prices the
rooms of one occupancy (``rooms``, ``adults``, ``children``); a search for rooms of different
occupancies is answered with rates per occupancy, combined here into one offer per room type,
board and rate class found for every occupancy. Taxes ``included`` in the net are stated as
taxes; the others (tourist tax, American sales tax at some hotels) are paid at the hotel.
Cancellation amounts are net and are marked up like the price. ``RECHECK`` rates must be
checked again before booking. Amounts and coordinates come as strings or as numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    Json,
    MissingFieldError,
    as_mapping,
    field_int,
    field_list,
    field_map,
    field_str,
    required,
    required_str,
    top_level,
)
from guidera_grpc.normalizers.hotels import (
    HOTELBEDS_BOARDS,
    HotelParts,
    PenaltyStep,
    PriceParts,
    PropertyFacts,
    Stay,
    add_steps,
    conditions_of,
    coordinate,
    hotel_offer,
    hotel_price,
    normalize_hotels,
    property_place,
    room_of,
    stars_from_text,
)
from guidera_grpc.normalizers.money import parse_amount, parse_currency
from guidera_grpc.providers.errors import MalformedResponseError
from guidera_grpc.search.params import RoomSpec

PROVIDER: Final = "hotelbeds"
RATE_KEY_SEPARATOR: Final = ";"
_CENT: Final = Decimal("0.01")

Occupancy = tuple[int, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class _Rate:
    """One rate with the room it belongs to."""

    room_code: str
    room_name: str
    raw: Json

    @property
    def plan(self) -> tuple[str, str, str]:
        """What must match across occupancies: room, board and rate class."""
        return self.room_code, field_str(self.raw, "boardCode"), field_str(self.raw, "rateClass")


def normalize_hotelbeds_hotels(
    payload: object,
    stay: Stay,
    *,
    markup_percent: Decimal,
    now: dt.datetime | None = None,
) -> list[offer_pb2.Offer]:
    """Every offer of a Hotelbeds availability answer, priced with ``markup_percent``."""
    body = top_level(PROVIDER, payload)
    block = body.get("hotels")
    if not isinstance(block, Mapping):
        raise MalformedResponseError(PROVIDER, "expected 'hotels' to be an object")
    factor = 1 + markup_percent / 100
    build = functools.partial(_hotel, stay, factor, now or dt.datetime.now(dt.UTC))
    return normalize_hotels(PROVIDER, field_list(block, "hotels"), build, "code")


def occupancy_groups(rooms: Sequence[RoomSpec]) -> dict[Occupancy, int]:
    """Identical rooms counted together, in the order first asked: Hotelbeds occupancies."""
    groups: dict[Occupancy, int] = {}
    for room in rooms:
        key = (room.adults, tuple(room.child_ages))
        groups[key] = groups.get(key, 0) + 1
    return groups


def _hotel(stay: Stay, factor: Decimal, now: dt.datetime, hotel: Json) -> list[offer_pb2.Offer]:
    groups = list(occupancy_groups(stay.rooms))
    by_group = _rates_by_group(hotel, groups)
    place = property_place(
        PropertyFacts(
            name=required_str(hotel, "name"),
            city_code=field_str(hotel, "destinationCode"),
            city_name=field_str(hotel, "destinationName"),
            latitude=coordinate(hotel.get("latitude")),
            longitude=coordinate(hotel.get("longitude")),
        ),
        stay,
    )
    context = _Context(
        stay=stay,
        factor=factor,
        now=now,
        currency=parse_currency(required(hotel, "currency")),
        place=place,
        stars=stars_from_text(field_str(hotel, "categoryCode") or field_str(hotel, "categoryName")),
    )
    return [_offer(context, combination) for combination in _combinations(by_group, groups)]


def _rates_by_group(hotel: Json, groups: Sequence[Occupancy]) -> dict[Occupancy, list[_Rate]]:
    by_group: dict[Occupancy, list[_Rate]] = {group: [] for group in groups}
    for room in (as_mapping(item) for item in field_list(hotel, "rooms")):
        for raw in (as_mapping(item) for item in field_list(room, "rates")):
            rate = _Rate(field_str(room, "code"), field_str(room, "name"), raw)
            group = _group_of(raw, groups)
            if group is not None:
                by_group[group].append(rate)
    return by_group


def _group_of(rate: Json, groups: Sequence[Occupancy]) -> Occupancy | None:
    """The occupancy a rate prices, by adults, children and (when given) their ages."""
    adults, children = field_int(rate, "adults"), field_int(rate, "children") or 0
    ages_text = field_str(rate, "childrenAges")
    ages = tuple(int(age) for age in ages_text.split(",") if age.strip().isdigit())
    for group in groups:
        same_ages = not ages or sorted(ages) == sorted(group[1])
        if group[0] == adults and len(group[1]) == children and same_ages:
            return group
    return None


def _combinations(
    by_group: Mapping[Occupancy, list[_Rate]], groups: Sequence[Occupancy]
) -> list[list[tuple[Occupancy, _Rate]]]:
    """One rate per occupancy: each rate of the first, with the cheapest alike of the others."""
    first, others = groups[0], groups[1:]
    combinations = []
    for rate in by_group[first]:
        chosen = [(first, rate)]
        for group in others:
            alike = [other for other in by_group[group] if other.plan == rate.plan]
            if not alike:
                break
            chosen.append((group, min(alike, key=lambda r: parse_amount(required(r.raw, "net")))))
        if len(chosen) == len(groups):
            combinations.append(chosen)
    return combinations


@dataclass(frozen=True, slots=True)
class _Context:
    stay: Stay
    factor: Decimal
    now: dt.datetime
    currency: str
    place: common_pb2.Place
    stars: float


def _offer(context: _Context, combination: list[tuple[Occupancy, _Rate]]) -> offer_pb2.Offer:
    rates = [rate.raw for _, rate in combination]
    steps = add_steps(*(_penalties(rate, context.factor) for rate in rates))
    end = context.stay.check_in_deadline(steps[0].start if steps else None)
    refundable = all(field_str(rate, "rateClass") != "NRF" for rate in rates)
    return hotel_offer(
        HotelParts(
            provider=PROVIDER,
            provider_offer_id=RATE_KEY_SEPARATOR.join(
                required_str(rate, "rateKey") for rate in rates
            ),
            price=hotel_price(_price(rates, context)),
            place=context.place,
            stay=context.stay,
            rooms=_rooms(context.stay, combination),
            conditions=conditions_of(refundable, steps, end, context.currency, context.now),
            star_rating=context.stars,
            recheck_required=any(field_str(rate, "rateType") == "RECHECK" for rate in rates),
        )
    )


def _price(rates: Sequence[Json], context: _Context) -> PriceParts:
    total = sum((_selling(rate, context.factor) for rate in rates), Decimal(0))
    included: list[Decimal] = []
    on_site: dict[str, Decimal] = {}
    for rate in rates:
        for tax in (as_mapping(item) for item in field_list(field_map(rate, "taxes"), "taxes")):
            amount, currency = _tax_amount(tax, context.currency)
            if tax.get("included") is True and currency == context.currency:
                included.append(amount)
            elif tax.get("included") is False:
                on_site[currency] = on_site.get(currency, Decimal(0)) + amount
    taxes_known = all(_lists_included_taxes(rate) for rate in rates)
    site_currency, site_amount = next(iter(on_site.items()), ("", None))
    return PriceParts(
        currency=context.currency,
        total=total,
        taxes=sum(included, Decimal(0)) if taxes_known else None,
        on_site=site_amount,
        on_site_currency=site_currency,
    )


def _selling(rate: Json, factor: Decimal) -> Decimal:
    """Net plus markup, at least the selling rate when the hotel makes it mandatory."""
    price = (parse_amount(required(rate, "net")) * factor).quantize(_CENT, ROUND_HALF_UP)
    if rate.get("hotelMandatory") is True and rate.get("sellingRate") not in (None, ""):
        price = max(price, parse_amount(rate["sellingRate"]))
    return price


def _lists_included_taxes(rate: Json) -> bool:
    items = [as_mapping(item) for item in field_list(field_map(rate, "taxes"), "taxes")]
    return any(item.get("included") is True for item in items)


def _tax_amount(tax: Json, hotel_currency: str) -> tuple[Decimal, str]:
    """A tax in the client's currency when given (the hotel's), else in its own."""
    client_currency = field_str(tax, "clientCurrency").upper()
    if tax.get("clientAmount") not in (None, "") and client_currency:
        return parse_amount(tax["clientAmount"]), parse_currency(client_currency)
    return parse_amount(required(tax, "amount")), parse_currency(
        field_str(tax, "currency") or hotel_currency
    )


def _penalties(rate: Json, factor: Decimal) -> list[PenaltyStep]:
    steps = []
    for policy in (as_mapping(item) for item in field_list(rate, "cancellationPolicies")):
        start = dt.datetime.fromisoformat(required_str(policy, "from"))
        if start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        amount = (parse_amount(required(policy, "amount")) * factor).quantize(_CENT, ROUND_HALF_UP)
        steps.append(PenaltyStep(start, amount))
    return steps


def _rooms(stay: Stay, combination: list[tuple[Occupancy, _Rate]]) -> list[offer_pb2.Room]:
    """Each room asked, named and boarded as the rate chosen for its occupancy."""
    rates = dict(combination)
    rooms = []
    for spec in stay.rooms:
        rate = rates.get((spec.adults, tuple(spec.child_ages)))
        if rate is None:
            raise MissingFieldError("rate for every occupancy")
        board = HOTELBEDS_BOARDS.get(
            field_str(rate.raw, "boardCode").upper(), offer_pb2.BOARD_UNSPECIFIED
        )
        rooms.append(room_of(spec, rate.room_name or rate.room_code, board))
    return rooms

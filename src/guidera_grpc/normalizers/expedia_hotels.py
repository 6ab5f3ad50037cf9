"""Expedia Rapid availability (``GET /v3/properties/availability``) → unified hotel ``Offer``\\ s.

The availability answer is an array of properties with rooms and rates but no names; names,
addresses, coordinates and ratings come from the content call, keyed by property id, and are
joined here. A rate's ``occupancy_pricing`` is keyed by the occupancy string sent for each
room (identical rooms share a key and are counted once each). Of its totals, ``inclusive`` is
what Expedia charges, ``exclusive`` is before taxes and ``property_fees`` is paid at the hotel.
Money nodes hold the billable and the request currency; the billable one is the price, the
requested one its display. Cancel penalties are windows charging an amount, a number of
nights or a percentage; the guest rating is out of 5.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    Json,
    MissingFieldError,
    as_mapping,
    field_list,
    field_map,
    field_str,
    parse_instant,
    required,
    required_str,
)
from guidera_grpc.normalizers.hotels import (
    HotelParts,
    PenaltyStep,
    PriceParts,
    PropertyFacts,
    Stay,
    board_from_amenities,
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

PROVIDER: Final = "expedia"
_FEE_NAMES: Final = ("mandatory_fee", "resort_fee", "mandatory_tax")
INDEPENDENT: Final = "independent"


def occupancy_key(room: RoomSpec) -> str:
    """Rapid's occupancy of one room: ``2`` or ``2-9,4`` (adults, then children's ages)."""
    if not room.child_ages:
        return str(room.adults)
    return f"{room.adults}-{','.join(str(age) for age in room.child_ages)}"


def normalize_expedia_hotels(
    payload: object,
    content: Mapping[str, Json],
    stay: Stay,
    *,
    now: dt.datetime | None = None,
) -> list[offer_pb2.Offer]:
    """Every rate of an availability answer as an offer, joined with the properties' content."""
    if not isinstance(payload, list):
        raise MalformedResponseError(PROVIDER, "expected the availability answer to be an array")
    build = functools.partial(_property, content, stay, now or dt.datetime.now(dt.UTC))
    return normalize_hotels(PROVIDER, payload, build, "property_id")


@dataclass(frozen=True, slots=True)
class _Property:
    """The content-side facts every rate of one property shares."""

    id: str
    place: common_pb2.Place
    stars: float
    review_score: float
    chain: str


def _property(
    content: Mapping[str, Json], stay: Stay, now: dt.datetime, raw: Json
) -> list[offer_pb2.Offer]:
    property_id = required_str(raw, "property_id")
    info = as_mapping(content.get(property_id))
    if not info:
        raise MissingFieldError("content")
    ratings = field_map(info, "ratings")
    facts = _Property(
        id=property_id,
        place=_place(info, stay),
        stars=stars_from_text(field_str(field_map(ratings, "property"), "rating")),
        review_score=_review_score(field_map(ratings, "guest")),
        chain=_chain(info),
    )
    return [
        _offer(facts, as_mapping(room), as_mapping(rate), stay, now)
        for room in field_list(raw, "rooms")
        for rate in field_list(as_mapping(room), "rates")
    ]


def _place(info: Json, stay: Stay) -> common_pb2.Place:
    address = field_map(info, "address")
    coordinates = field_map(field_map(info, "location"), "coordinates")
    return property_place(
        PropertyFacts(
            name=required_str(info, "name"),
            city_name=field_str(address, "city"),
            country_code=field_str(address, "country_code"),
            latitude=coordinate(coordinates.get("latitude")),
            longitude=coordinate(coordinates.get("longitude")),
            address_lines=[field_str(address, "line_1"), field_str(address, "line_2")],
            postal_code=field_str(address, "postal_code"),
        ),
        stay,
    )


def _chain(info: Json) -> str:
    """The brand's name, else the chain's; Rapid's "Independent" chain is no chain."""
    name = field_str(field_map(info, "brand"), "name") or field_str(
        field_map(info, "chain"), "name"
    )
    return "" if name.casefold() == INDEPENDENT else name


def _review_score(guest: Json) -> float:
    """The guest rating out of 10 (Rapid gives it out of 5, as text)."""
    text = field_str(guest, "overall")
    try:
        return round(float(text) * 2, 1) if text else 0.0
    except ValueError:
        return 0.0


def _offer(
    facts: _Property, room: Json, rate: Json, stay: Stay, now: dt.datetime
) -> offer_pb2.Offer:
    pricing = _room_pricings(field_map(rate, "occupancy_pricing"), stay.rooms)
    parts = _price(pricing)
    steps, end = _penalties(rate, parts, stay)
    amenities = field_map(rate, "amenities")
    board = board_from_amenities(field_str(as_mapping(a), "name") for a in amenities.values())
    bed_group = next((as_mapping(group) for group in field_map(rate, "bed_groups").values()), {})
    price_check = field_map(field_map(bed_group, "links"), "price_check")
    name = field_str(room, "room_name")
    return hotel_offer(
        HotelParts(
            provider=PROVIDER,
            provider_offer_id=field_str(price_check, "href")
            or f"{facts.id}/{field_str(room, 'id')}/{required_str(rate, 'id')}",
            price=hotel_price(parts),
            place=facts.place,
            stay=stay,
            rooms=[
                room_of(spec, name, board, field_str(bed_group, "description"))
                for spec in stay.rooms
            ],
            conditions=conditions_of(
                rate.get("refundable") is True, steps, end, parts.currency, now
            ),
            chain=facts.chain,
            star_rating=facts.stars,
            review_score=facts.review_score,
            expire_time=_expiry(field_str(price_check, "expires")),
        )
    )


def _room_pricings(pricing: Json, rooms: Sequence[RoomSpec]) -> list[Json]:
    """The pricing of each room asked, by its occupancy key (the only one when keys differ)."""
    keys = [occupancy_key(room) for room in rooms]
    if all(key in pricing for key in keys):
        return [as_mapping(pricing[key]) for key in keys]
    if len(pricing) == 1 and len(set(keys)) == 1:
        only = as_mapping(next(iter(pricing.values())))
        return [only] * len(keys)
    raise MissingFieldError("occupancy_pricing for every room")


def _price(pricings: Sequence[Json]) -> PriceParts:
    charged = [_money(pricing, "inclusive", "billable_currency") for pricing in pricings]
    currency = charged[0][1]
    if any(money[1] != currency for money in charged):
        raise ValueError("rooms priced in different currencies")
    before_tax = [
        _optional_money(pricing, "exclusive", "billable_currency") for pricing in pricings
    ]
    display = [_optional_money(pricing, "inclusive", "request_currency") for pricing in pricings]
    on_site = [fees for pricing in pricings if (fees := _property_fees(pricing)) is not None]
    total = sum((money[0] for money in charged), Decimal(0))
    base = _sum_known(before_tax)
    return PriceParts(
        currency=currency,
        total=total,
        base=base,
        taxes=total - base if base is not None else None,
        on_site=sum((amount for amount, _ in on_site), Decimal(0)) or None,
        on_site_currency=on_site[0][1] if on_site else "",
        display=_display(display),
    )


def _money(pricing: Json, total: str, side: str) -> tuple[Decimal, str]:
    node = field_map(field_map(field_map(pricing, "totals"), total), side)
    return parse_amount(required(node, "value")), parse_currency(required(node, "currency"))


def _optional_money(pricing: Json, total: str, side: str) -> tuple[Decimal, str] | None:
    node = field_map(field_map(field_map(pricing, "totals"), total), side)
    if not node:
        return None
    return parse_amount(required(node, "value")), parse_currency(required(node, "currency"))


def _property_fees(pricing: Json) -> tuple[Decimal, str] | None:
    """What is paid at the property: the ``property_fees`` total, else the fees summed."""
    stated = _optional_money(pricing, "property_fees", "billable_currency")
    if stated is not None:
        return stated
    fees = field_map(pricing, "fees")
    found = [
        field_map(field_map(fees, name), "billable_currency")
        for name in _FEE_NAMES
        if field_map(fees, name)
    ]
    if not found:
        return None
    amounts = [parse_amount(required(node, "value")) for node in found]
    return sum(amounts, Decimal(0)), parse_currency(required(found[0], "currency"))


def _sum_known(amounts: Sequence[tuple[Decimal, str] | None]) -> Decimal | None:
    known = [amount for amount in amounts if amount is not None]
    if len(known) != len(amounts):
        return None
    return sum((amount for amount, _ in known), Decimal(0))


def _display(amounts: Sequence[tuple[Decimal, str] | None]) -> tuple[Decimal, str] | None:
    total = _sum_known(amounts)
    first = amounts[0] if amounts else None
    return (total, first[1]) if total is not None and first is not None else None


def _penalties(rate: Json, parts: PriceParts, stay: Stay) -> tuple[list[PenaltyStep], dt.datetime]:
    """Each penalty window as a step, and when the last one ends."""
    steps, ends = [], []
    nights = max(1, (stay.check_out - stay.check_in).days)
    for window in (as_mapping(item) for item in field_list(rate, "cancel_penalties")):
        start = dt.datetime.fromisoformat(required_str(window, "start"))
        if field_str(window, "end"):
            ends.append(dt.datetime.fromisoformat(field_str(window, "end")))
        steps.append(PenaltyStep(start, _penalty_amount(window, parts.total, nights)))
    end = max(ends) if ends else stay.check_in_deadline(steps[0].start if steps else None)
    return steps, end


def _penalty_amount(window: Json, total: Decimal, nights: int) -> Decimal:
    """A window's charge: its amount, else nights of the average night, else a percentage."""
    if field_str(window, "amount"):
        return parse_amount(window["amount"])
    if field_str(window, "nights"):
        return (total * parse_amount(window["nights"]) / nights).quantize(Decimal("0.01"))
    percent = field_str(window, "percent").rstrip("%").strip()
    if percent:
        return (total * parse_amount(percent) / 100).quantize(Decimal("0.01"))
    raise MissingFieldError("cancel penalty amount, nights or percent")


def _expiry(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        return None

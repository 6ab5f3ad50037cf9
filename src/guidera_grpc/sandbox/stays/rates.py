"""What a stay costs at one supplier: night by night, room by room, with taxes and terms.

Prices start from the property's level (stars, city, its own factor), vary by season and
weekday, grow with guests (children priced by the supplier's rule), boards and flexibility,
and are multiplied by the supplier's factor (a wholesaler's is below one: it sells net).
Amounts are computed in euros, then each is converted and rounded on its own, so that the
sums a supplier shows add up exactly in the currency it answers in.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from guidera_grpc.sandbox.flights.money import Currency
from guidera_grpc.sandbox.seeds import stable_int, stable_unit
from guidera_grpc.sandbox.stays.assortment import Listing
from guidera_grpc.sandbox.stays.rooms import (
    INFANT_AGE,
    Occupancy,
    RatePlan,
    RoomType,
    free_cancellation_days,
    rate_plans,
    room_types,
)

ADULT_AGE = 12
AVAILABLE_SHARE = 0.92
RECHECK_SHARE = 0.15
_STAR_PRICE_EUR = {1: 55, 2: 72, 3: 100, 4: 155, 5: 310}
_CENT = Decimal("0.01")


class ChildRule(enum.Enum):
    """How a supplier prices children sharing a room."""

    EXTRA_PERSON_FEE = "extra_person_fee"
    """Infants free; 2 to 11 pay an extra-person fee each night; 12 and over pay as adults."""
    FIRST_CHILD_FREE = "first_child_free"
    """The first child under 12 is free, others under 12 pay half an extra adult."""


@dataclass(frozen=True, slots=True)
class Stay:
    """Dates and rooms of a search."""

    check_in: dt.date
    check_out: dt.date
    rooms: tuple[Occupancy, ...]

    @property
    def nights(self) -> tuple[dt.date, ...]:
        """Each night of the stay, by its date."""
        count = (self.check_out - self.check_in).days
        return tuple(self.check_in + dt.timedelta(days=n) for n in range(count))


@dataclass(frozen=True, slots=True)
class Night:
    """One night of one room: rate before tax, extra-person fee, and tax, in the currency."""

    day: dt.date
    base: Decimal
    extra: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        """What the night costs, tax included."""
        return self.base + self.extra + self.tax


@dataclass(frozen=True, slots=True)
class RoomPrice:
    """One room of a quote: its guests, its nights and what is paid at the property."""

    occupancy: Occupancy
    nights: tuple[Night, ...]
    city_tax: Decimal
    resort_fee: Decimal

    @property
    def base(self) -> Decimal:
        """Before tax, extra-person fees included."""
        return sum((n.base + n.extra for n in self.nights), Decimal(0))

    @property
    def tax(self) -> Decimal:
        """Tax included in the total."""
        return sum((n.tax for n in self.nights), Decimal(0))

    @property
    def total(self) -> Decimal:
        """What the room costs through the supplier, tax included."""
        return self.base + self.tax


@dataclass(frozen=True, slots=True)
class Quote:
    """One rate for the whole stay: a room type under a plan, for every room asked."""

    listing: Listing
    room: RoomType
    plan: RatePlan
    rooms: tuple[RoomPrice, ...]
    currency: Currency
    penalty_from: dt.datetime
    """From this instant (local, aware) cancelling costs ``penalty``; before it is free."""
    penalty: Decimal
    recheck: bool
    allotment: int

    @property
    def total(self) -> Decimal:
        """All rooms, tax included."""
        return sum((room.total for room in self.rooms), Decimal(0))

    @property
    def base(self) -> Decimal:
        """All rooms before tax."""
        return sum((room.base for room in self.rooms), Decimal(0))

    @property
    def tax(self) -> Decimal:
        """All rooms' tax."""
        return sum((room.tax for room in self.rooms), Decimal(0))

    @property
    def city_tax(self) -> Decimal:
        """Tourist tax for all rooms, paid at the property."""
        return sum((room.city_tax for room in self.rooms), Decimal(0))

    @property
    def resort_fee(self) -> Decimal:
        """Resort fee for all rooms, paid at the property."""
        return sum((room.resort_fee for room in self.rooms), Decimal(0))


def quote_stay(listing: Listing, stay: Stay, currency: Currency, rule: ChildRule) -> list[Quote]:
    """Every rate ``listing``'s property sells for ``stay``; empty when it is full."""
    prop = listing.hotel
    if not stay.nights or not is_open(listing, stay.check_in):
        return []
    largest = max(room.guests for room in stay.rooms)
    quotes = []
    for room in room_types(prop):
        allotment = 1 + stable_int("allotment", prop.key, room.code, stay.check_in) % 8
        if room.capacity < largest or allotment < len(stay.rooms):
            continue
        for plan in rate_plans(prop, room):
            quotes.append(_quote(listing, stay, room, plan, currency, rule, allotment))
    return quotes


def is_open(listing: Listing, check_in: dt.date) -> bool:
    """Whether the property has rooms from ``check_in`` at all."""
    return stable_unit("open", listing.hotel.key, check_in) < AVAILABLE_SHARE


def _quote(
    listing: Listing,
    stay: Stay,
    room: RoomType,
    plan: RatePlan,
    currency: Currency,
    rule: ChildRule,
    allotment: int,
) -> Quote:
    rooms = tuple(
        _room_price(listing, stay, room, plan, guests, currency, rule) for guests in stay.rooms
    )
    total = sum((r.total for r in rooms), Decimal(0))
    first_night = sum((r.nights[0].total for r in rooms), Decimal(0))
    prop = listing.hotel
    return Quote(
        listing=listing,
        room=room,
        plan=plan,
        rooms=rooms,
        currency=currency,
        penalty_from=_penalty_from(listing, stay, plan),
        penalty=total if plan.full_penalty else first_night,
        recheck=stable_unit("recheck", prop.key, room.code, plan.code) < RECHECK_SHARE,
        allotment=allotment,
    )


def _penalty_from(listing: Listing, stay: Stay, plan: RatePlan) -> dt.datetime:
    """The end of free cancellation: 23:59 local some days before check-in, never past."""
    tz = ZoneInfo(listing.hotel.city.tz)
    now = dt.datetime.now(tz).replace(second=0, microsecond=0)
    if not plan.refundable:
        return now
    day = stay.check_in - dt.timedelta(days=free_cancellation_days(listing.hotel))
    deadline = dt.datetime.combine(day, dt.time(23, 59), tzinfo=tz)
    return max(deadline, now)


def _room_price(
    listing: Listing,
    stay: Stay,
    room: RoomType,
    plan: RatePlan,
    guests: Occupancy,
    currency: Currency,
    rule: ChildRule,
) -> RoomPrice:
    prop = listing.hotel
    factor = listing.price_factor * Decimal(str(room.factor))
    if not plan.refundable:
        factor *= Decimal("0.88")
    vat = prop.city.vat
    nights = []
    for day in stay.nights:
        level = _night_level_eur(listing, day) * factor
        gross, extra = _occupancy_eur(level, guests, rule)
        gross += _board_eur(plan.board, prop.stars, guests) * listing.price_factor
        base = gross / (1 + vat)
        nights.append(
            Night(
                day=day,
                base=currency.from_eur(base),
                extra=currency.from_eur(extra),
                tax=currency.from_eur(gross - base + extra * vat),
            )
        )
    count = len(nights)
    return RoomPrice(
        occupancy=guests,
        nights=tuple(nights),
        city_tax=currency.from_eur(_city_tax_eur(listing) * guests.adults * count),
        resort_fee=currency.from_eur(_resort_fee_eur(listing) * count),
    )


def _night_level_eur(listing: Listing, day: dt.date) -> Decimal:
    """Two adults, room only, flexible, standard room: the property's price that night."""
    prop = listing.hotel
    season = 1 + 0.15 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)
    weekend = 1.1 if day.weekday() in (4, 5) else 1.0
    noise = 0.95 + 0.1 * stable_unit("night", prop.key, day)
    level = _STAR_PRICE_EUR[prop.stars] * prop.city.price_factor * prop.price_factor
    return Decimal(str(round(level * season * weekend * noise, 2)))


def _occupancy_eur(level: Decimal, guests: Occupancy, rule: ChildRule) -> tuple[Decimal, Decimal]:
    """The room's price for these guests, and any extra-person fee (before tax) on top."""
    adults = guests.adults + sum(1 for age in guests.child_ages if age >= ADULT_AGE)
    children = [age for age in guests.child_ages if INFANT_AGE <= age < ADULT_AGE]
    price = level * (Decimal("0.88") if adults == 1 else 1 + Decimal("0.3") * (adults - 2))
    if rule is ChildRule.EXTRA_PERSON_FEE:
        return price, (level * Decimal("0.15") * len(children)).quantize(_CENT)
    paying = max(0, len(children) - 1)
    return price + level * Decimal("0.15") * paying, Decimal(0)


def _board_eur(board: str, stars: int, guests: Occupancy) -> Decimal:
    per_adult = Decimal(8 + 4 * stars)
    eaters = guests.adults + Decimal("0.5") * sum(
        1 for age in guests.child_ages if age >= INFANT_AGE
    )
    meals = {"RO": Decimal(0), "BB": Decimal(1), "HB": Decimal("2.4")}[board]
    return per_adult * eaters * meals


def _city_tax_eur(listing: Listing) -> Decimal:
    """Tourist tax per adult and night: the city's three-star amount scaled by stars."""
    city = listing.hotel.city
    amount = city.city_tax_eur * Decimal(listing.hotel.stars) / 3
    return amount.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _resort_fee_eur(listing: Listing) -> Decimal:
    """A nightly resort fee some upscale American hotels charge at the desk."""
    prop = listing.hotel
    if prop.city.country != "US" or prop.stars < 4:
        return Decimal(0)
    if stable_unit("resort-fee", prop.key) >= 0.5:
        return Decimal(0)
    return Decimal(18 + 5 * prop.stars)

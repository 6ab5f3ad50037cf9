"""Car rental offers for a search: the one entry from emulators to the car inventory.

A search names where the car is picked up and returned (IATA airport or city codes), the local
times, and the driver's age. Every vendor with a desk open at both ends rents a deterministic
part of its region's fleet there; each car is priced on one rate plan, or on two (pay now and
pay at the counter) for some vendors, and the cheapest come back first.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal

from guidera_grpc.sandbox.cars.fleet import VehicleClass, fleet_for
from guidera_grpc.sandbox.cars.locations import RentalLocation, locations_for, return_desk
from guidera_grpc.sandbox.cars.pricing import Quote, Rental, one_way_fee_eur, quote, rental_days
from guidera_grpc.sandbox.cars.vendors import VENDORS, Vendor
from guidera_grpc.sandbox.flights.money import Currency
from guidera_grpc.sandbox.seeds import stable_hex, stable_unit

FLEET_SHARE = 0.7
MIN_CLASSES = 3
LIMITED_MILEAGE_SHARE = 0.15
ON_REQUEST_SHARE = 0.04
INCLUSIVE_RATE_SHARE = 0.3
_MILES_COUNTRIES = frozenset({"US", "GB"})


@dataclass(frozen=True, slots=True)
class CarQuery:
    """A search as every car emulator understands it once its own fields are parsed."""

    pick_up: str
    drop_off: str
    pick_up_at: dt.datetime
    return_at: dt.datetime
    driver_age: int = 30


@dataclass(frozen=True, slots=True)
class Mileage:
    """Distance included: unlimited, or ``limit`` ``unit``\\ s a day."""

    unit: str
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class Coverage:
    """An insurance cover: included in the rate, or offered at a daily price."""

    type_code: str
    description: str
    included: bool
    excess_eur: Decimal | None = None
    eur_per_day: Decimal | None = None


@dataclass(frozen=True, slots=True)
class CarOffer:
    """One car on one rate plan, priced."""

    rental: Rental
    quote: Quote
    reference: str
    mileage: Mileage
    coverages: tuple[Coverage, ...]
    on_request: bool


def find_car_offers(query: CarQuery, currency: Currency, limit: int) -> tuple[CarOffer, ...]:
    """Offers for the search, cheapest first, at most ``limit`` of them."""
    return _priced(query, currency)[: max(0, limit)]


@functools.lru_cache(maxsize=256)
def _priced(query: CarQuery, currency: Currency) -> tuple[CarOffer, ...]:
    offers = [_offer(rental, query, currency) for rental in _rentals(query)]
    offers.sort(key=lambda offer: (offer.quote.total, offer.reference))
    return tuple(offers)


@functools.lru_cache(maxsize=256)
def _rentals(query: CarQuery) -> tuple[Rental, ...]:
    days = rental_days(query.pick_up_at, query.return_at)
    rentals: list[Rental] = []
    for desk in locations_for(query.pick_up):
        back = return_desk(query.drop_off, desk)
        if back is None or one_way_fee_eur(desk, back) is None:
            continue
        if not desk.open_at(query.pick_up_at) or not back.open_at(query.return_at):
            continue
        for vendor in _vendors_for(desk, back, query.driver_age):
            for vehicle in _classes(vendor, desk, query.driver_age):
                car_key = f"{vendor.code}|{vehicle.acriss}|{desk.key}"
                rentals.extend(
                    Rental(
                        vendor, vehicle, desk, back, query.pick_up_at, days, plan, query.driver_age
                    )
                    for plan in vendor.plans_for(car_key)
                )
    return tuple(rentals)


def _vendors_for(desk: RentalLocation, back: RentalLocation, age: int) -> list[Vendor]:
    international = desk.country != back.country
    return [
        vendor
        for vendor in VENDORS
        if vendor.serves(desk.region, desk.country, desk.key)
        and vendor.serves(back.region, back.country, back.key)
        and age >= vendor.min_age
        and (vendor.international_one_way or not international)
    ]


def _classes(vendor: Vendor, desk: RentalLocation, age: int) -> list[VehicleClass]:
    fleet = [vehicle for vehicle in fleet_for(desk.region) if age >= 25 or not vehicle.luxury]
    draws = {v.acriss: stable_unit("fleet", vendor.code, v.acriss, desk.key) for v in fleet}
    chosen = [vehicle for vehicle in fleet if draws[vehicle.acriss] < FLEET_SHARE]
    if len(chosen) < MIN_CLASSES:
        chosen = sorted(fleet, key=lambda vehicle: draws[vehicle.acriss])[:MIN_CLASSES]
        chosen.sort(key=fleet.index)
    return chosen


def _offer(rental: Rental, query: CarQuery, currency: Currency) -> CarOffer:
    car_key = f"{rental.vendor.code}|{rental.vehicle.acriss}|{rental.pick_up.key}"
    trip = (rental.drop_off.key, query.pick_up_at, query.return_at, query.driver_age)
    reference = stable_hex("ref", car_key, rental.plan, *trip, length=16).upper()
    return CarOffer(
        rental=rental,
        quote=quote(rental, currency),
        reference=reference,
        mileage=_mileage(car_key, rental.pick_up.country),
        coverages=_coverages(car_key, rental),
        on_request=stable_unit("on-request", car_key, rental.plan) < ON_REQUEST_SHARE,
    )


def _mileage(car_key: str, country: str) -> Mileage:
    unit = "mile" if country in _MILES_COUNTRIES else "km"
    if stable_unit("mileage", car_key) >= LIMITED_MILEAGE_SHARE:
        return Mileage(unit)
    return Mileage(unit, 150 if unit == "mile" else 250)


def _coverages(car_key: str, rental: Rental) -> tuple[Coverage, ...]:
    excess = Decimal(700 + 100 * rental.vehicle.size)
    inclusive = rental.pick_up.region != "north_america" or (
        stable_unit("inclusive", car_key) < INCLUSIVE_RATE_SHARE
    )
    if inclusive:
        return (
            Coverage("7", "Collision damage waiver", True, excess_eur=excess),
            Coverage("48", "Theft protection", True, excess_eur=excess),
            Coverage("59", "Excess protection", False, eur_per_day=Decimal("17.50")),
        )
    return (
        Coverage("7", "Loss damage waiver", False, eur_per_day=Decimal("29.99")),
        Coverage("48", "Theft protection", False, eur_per_day=Decimal("9.99")),
    )

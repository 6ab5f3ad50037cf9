"""What a rental costs: the daily rate, its tax, and the fees that come with it.

The rate grows with the class and falls with the length of the rental; the vendor, the
country, the season and a per-day demand factor move it. Airports add a location fee that is
part of the total. A one-way rental adds a fee, paid at the counter with some vendors; drivers
under 25 pay a surcharge at the counter. Amounts paid at the counter are quoted in the
country's own currency, as rental desks charge them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from guidera_grpc.sandbox.cars.fleet import VehicleClass
from guidera_grpc.sandbox.cars.locations import RentalLocation, distance_km
from guidera_grpc.sandbox.cars.vendors import PAY_AT_COUNTER, Vendor
from guidera_grpc.sandbox.flights.money import Currency, local_currency
from guidera_grpc.sandbox.seeds import stable_unit

YOUNG_DRIVER_AGE = 25
YOUNG_DRIVER_MAX_DAYS = 10
PAY_AT_COUNTER_PREMIUM = Decimal("1.08")
DOWNTOWN_DISCOUNT = Decimal("0.92")

_COUNTRY_LEVEL = {
    "CH": "1.35", "NO": "1.35", "IS": "1.40", "DK": "1.20", "SE": "1.15", "FI": "1.15",
    "GB": "1.10", "IE": "1.15", "FR": "1.05", "BE": "1.05", "NL": "1.05", "AT": "1.05",
    "DE": "1.00", "IT": "1.00", "ES": "0.90", "PT": "0.85", "GR": "0.90", "PL": "0.80",
    "CZ": "0.80", "HU": "0.80", "HR": "0.90", "TR": "0.75", "US": "1.00", "CA": "1.05",
    "MX": "0.80", "AU": "1.10", "NZ": "1.05", "JP": "1.00", "KR": "0.95", "AE": "0.95",
}  # fmt: skip
_REGION_LEVEL = {
    "europe": "1.00",
    "north_america": "1.00",
    "south_america": "0.80",
    "asia": "0.75",
    "middle_east": "0.90",
    "africa": "0.85",
    "oceania": "1.10",
}
_VAT_PERCENT = {
    "GB": "20", "FR": "20", "DE": "19", "ES": "21", "IT": "22", "PT": "23", "NL": "21",
    "IE": "23", "BE": "21", "AT": "20", "CH": "8.1", "DK": "25", "SE": "25", "NO": "25",
    "FI": "25.5", "PL": "23", "CZ": "21", "HU": "27", "GR": "24", "HR": "25", "IS": "24",
    "US": "10.25", "CA": "13", "MX": "16", "AU": "10", "NZ": "15", "JP": "10", "KR": "10",
    "AE": "5", "TR": "20", "BR": "17", "AR": "21", "TH": "7", "SG": "9", "IN": "18",
}  # fmt: skip
_DEFAULT_VAT = "15"
_AIRPORT_FEE_EUR = Decimal(42)
_CONCESSION_RECOVERY = Decimal("0.111")


@dataclass(frozen=True, slots=True)
class Charge:
    """A fee on a rental, in ``currency``; ``at_counter`` ones are not in the total."""

    description: str
    amount: Decimal
    currency: Currency
    at_counter: bool


@dataclass(frozen=True, slots=True)
class Quote:
    """A rental's price in one currency: rate, tax on it, and fees."""

    currency: Currency
    days: int
    daily: Decimal
    tax_percent: Decimal
    fees: tuple[Charge, ...]

    @property
    def rate(self) -> Decimal:
        """The daily rate times the days: the rental before tax and fees."""
        return self.daily * self.days

    @property
    def tax(self) -> Decimal:
        """Tax on the rate."""
        return (self.rate * self.tax_percent / 100).quantize(
            self.currency.quantum, rounding=ROUND_HALF_UP
        )

    @property
    def included_fees(self) -> tuple[Charge, ...]:
        """Fees paid with the rental, part of its total."""
        return tuple(fee for fee in self.fees if not fee.at_counter)

    @property
    def counter_fees(self) -> tuple[Charge, ...]:
        """Fees paid at the desk on pick-up, outside the total."""
        return tuple(fee for fee in self.fees if fee.at_counter)

    @property
    def total(self) -> Decimal:
        """Rate, tax and included fees: what the rental costs in all."""
        return self.rate + self.tax + sum((fee.amount for fee in self.included_fees), Decimal(0))


@dataclass(frozen=True, slots=True)
class Rental:
    """What is priced: who rents which car where, for how long, on which plan."""

    vendor: Vendor
    vehicle: VehicleClass
    pick_up: RentalLocation
    drop_off: RentalLocation
    pick_up_at: dt.datetime
    days: int
    plan: str
    driver_age: int


def rental_days(pick_up_at: dt.datetime, return_at: dt.datetime) -> int:
    """Days charged: started 24-hour periods, with 29 minutes' grace; at least one."""
    minutes = (return_at - pick_up_at).total_seconds() / 60 - 29
    return max(1, -(-int(minutes) // (24 * 60)))


def quote(rental: Rental, currency: Currency) -> Quote:
    """The rental's price in ``currency``."""
    daily = currency.from_eur(_daily_eur(rental))
    fees = [
        *_location_fee(rental, daily * rental.days, currency),
        *_one_way_fee(rental, currency),
        *_young_driver_fee(rental, currency),
    ]
    return Quote(currency, rental.days, daily, _vat(rental.pick_up.country), tuple(fees))


def _daily_eur(rental: Rental) -> Decimal:
    where = rental.pick_up
    factors = (
        rental.vendor.price_factor,
        Decimal(_COUNTRY_LEVEL.get(where.country) or _REGION_LEVEL.get(where.region, "1")),
        _demand(rental),
        _season(rental.pick_up_at.date(), where.lat),
        _length_discount(rental.days),
        PAY_AT_COUNTER_PREMIUM if rental.plan == PAY_AT_COUNTER else Decimal(1),
        Decimal(1) if where.at_airport else DOWNTOWN_DISCOUNT,
    )
    daily = rental.vehicle.eur_per_day
    for factor in factors:
        daily *= factor
    return daily


def _demand(rental: Rental) -> Decimal:
    day = rental.pick_up_at.date()
    unit = stable_unit("demand", rental.vendor.code, rental.vehicle.acriss, rental.pick_up.key, day)
    return Decimal("0.85") + Decimal(str(round(unit * 0.4, 4)))


def _season(day: dt.date, latitude: float) -> Decimal:
    summer = (6, 7, 8) if latitude >= 0 else (12, 1, 2)
    if day.month in summer:
        return Decimal("1.20")
    return Decimal("1.10") if day.month == 12 else Decimal(1)


def _length_discount(days: int) -> Decimal:
    if days >= 28:
        return Decimal("0.70")
    if days >= 14:
        return Decimal("0.78")
    return Decimal("0.85") if days >= 7 else Decimal(1)


def _vat(country: str) -> Decimal:
    return Decimal(_VAT_PERCENT.get(country, _DEFAULT_VAT))


def _location_fee(rental: Rental, rate: Decimal, currency: Currency) -> list[Charge]:
    if not rental.pick_up.at_airport:
        return []
    if rental.pick_up.region == "north_america":
        amount = (rate * _CONCESSION_RECOVERY).quantize(currency.quantum)
        return [Charge("Concession recovery fee", amount, currency, at_counter=False)]
    fee = currency.from_eur(_AIRPORT_FEE_EUR)
    return [Charge("Airport surcharge", fee, currency, at_counter=False)]


def one_way_fee_eur(pick_up: RentalLocation, drop_off: RentalLocation) -> Decimal | None:
    """The one-way fee in euros; 0 within a city, None across continents (no car goes there)."""
    if pick_up.city_code == drop_off.city_code:
        return Decimal(0)
    if pick_up.region != drop_off.region:
        return None
    km = Decimal(round(distance_km(pick_up, drop_off)))
    if pick_up.country == drop_off.country:
        return min(Decimal(45) + km * Decimal("0.30"), Decimal(450))
    return min(Decimal(150) + km * Decimal("0.60"), Decimal(1200))


def _one_way_fee(rental: Rental, currency: Currency) -> list[Charge]:
    fee_eur = one_way_fee_eur(rental.pick_up, rental.drop_off)
    if not fee_eur:
        return []
    at_counter = rental.vendor.one_way_fee_at_counter
    in_currency = _counter_currency(rental, currency) if at_counter else currency
    return [Charge("One-way fee", in_currency.from_eur(fee_eur), in_currency, at_counter)]


def _young_driver_fee(rental: Rental, currency: Currency) -> list[Charge]:
    if rental.driver_age >= YOUNG_DRIVER_AGE:
        return []
    days = min(rental.days, YOUNG_DRIVER_MAX_DAYS)
    fee_eur = rental.vendor.young_driver_eur_per_day * days
    in_currency = _counter_currency(rental, currency)
    return [Charge("Young driver surcharge", in_currency.from_eur(fee_eur), in_currency, True)]


def _counter_currency(rental: Rental, requested: Currency) -> Currency:
    return local_currency(rental.pick_up.country) or requested

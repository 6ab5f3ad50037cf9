"""Rental companies as the OTA codes them, where they rent, and their house rules.

Codes are the two-letter OpenTravel / GDS vendor codes (Hertz ZE, Avis ZI, Europcar EP, Sixt
SX ...; ZR and ZT are Dollar and Thrifty). Hertz and Avis have a desk at every airport; the
others at a deterministic share of them. Some vendors sell two rate plans for the same car,
pay now and pay at the counter, so an aggregator lists that car twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from guidera_grpc.sandbox.seeds import stable_unit

PREPAID = "prepaid"
PAY_AT_COUNTER = "pay_at_counter"
PICTURE_HOST = "https://fleet-images.cartrawler.sandbox.guidera.test"


@dataclass(frozen=True, slots=True)
class Vendor:
    """One rental company and its rules."""

    code: str
    name: str
    price_factor: Decimal
    airport_share: float
    """Share of airports (in its regions) where it has a desk."""
    regions: frozenset[str] | None = None
    """World regions where it rents; None for everywhere."""
    excluded_countries: frozenset[str] = frozenset()
    has_pictures: bool = True
    min_age: int = 21
    young_driver_eur_per_day: Decimal = Decimal(20)
    international_one_way: bool = False
    one_way_fee_at_counter: bool = True
    fuel_policy: str = "FullToFull"
    plans: tuple[str, ...] = (PREPAID,)
    two_plan_share: float = 0.0
    """Share of its cars also sold on the second plan of ``plans``."""

    def serves(self, region: str, country: str, location_key: str) -> bool:
        """Whether it has a desk at this location."""
        if self.regions is not None and region not in self.regions:
            return False
        if country in self.excluded_countries:
            return False
        return stable_unit("desk", self.code, location_key) < self.airport_share

    def plans_for(self, car_key: str) -> tuple[str, ...]:
        """The rate plans it sells this car on: usually one, sometimes two."""
        if len(self.plans) > 1 and stable_unit("plans", self.code, car_key) < self.two_plan_share:
            return self.plans
        return self.plans[:1]

    def picture_url(self, acriss: str, model: str) -> str | None:
        """The vehicle's picture, or None for vendors that send none."""
        if not self.has_pictures:
            return None
        slug = model.lower().replace(" ", "-")
        return f"{PICTURE_HOST}/{self.code.lower()}/{acriss.lower()}/{slug}.png"


_AMERICAS_AND_EUROPE = frozenset({"north_america", "europe"})
_TWO_PLANS = (PREPAID, PAY_AT_COUNTER)

VENDORS: tuple[Vendor, ...] = (
    Vendor(
        "ZE",
        "Hertz",
        Decimal("1.12"),
        1.0,
        min_age=20,
        young_driver_eur_per_day=Decimal(27),
        international_one_way=True,
        plans=_TWO_PLANS,
        two_plan_share=0.4,
    ),
    Vendor(
        "ZI",
        "Avis",
        Decimal("1.08"),
        1.0,
        international_one_way=True,
        one_way_fee_at_counter=False,
        plans=_TWO_PLANS,
        two_plan_share=0.3,
    ),
    Vendor(
        "EP",
        "Europcar",
        Decimal("1.02"),
        0.75,
        excluded_countries=frozenset({"US", "CA"}),
        min_age=19,
        young_driver_eur_per_day=Decimal(24),
        international_one_way=True,
        plans=_TWO_PLANS,
        two_plan_share=0.25,
    ),
    Vendor(
        "SX",
        "Sixt",
        Decimal("1.10"),
        0.65,
        min_age=18,
        young_driver_eur_per_day=Decimal(22),
        international_one_way=True,
        plans=_TWO_PLANS,
        two_plan_share=0.35,
    ),
    Vendor("ET", "Enterprise", Decimal("1.00"), 0.7, one_way_fee_at_counter=False),
    Vendor(
        "ZD",
        "Budget",
        Decimal("0.94"),
        0.75,
        has_pictures=False,
        one_way_fee_at_counter=False,
        fuel_policy="SameToSame",
    ),
    Vendor(
        "AL",
        "Alamo",
        Decimal("0.92"),
        0.5,
        regions=_AMERICAS_AND_EUROPE,
        has_pictures=False,
        young_driver_eur_per_day=Decimal(25),
    ),
    Vendor("ZL", "National", Decimal("1.04"), 0.5, regions=_AMERICAS_AND_EUROPE),
    Vendor(
        "ZR",
        "Dollar",
        Decimal("0.88"),
        0.6,
        regions=frozenset({"north_america"}),
        has_pictures=False,
        min_age=20,
        fuel_policy="FullToEmpty",
        plans=(PAY_AT_COUNTER,),
    ),
    Vendor(
        "ZT",
        "Thrifty",
        Decimal("0.86"),
        0.6,
        regions=frozenset({"north_america"}),
        min_age=20,
        fuel_policy="FullToEmpty",
        plans=(PAY_AT_COUNTER,),
    ),
)

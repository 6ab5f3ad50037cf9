"""A city's hotel catalog: the same properties, in the same order, for every supplier.

Property ``i`` of a city depends only on the city and on ``i`` (and on property ``i - 1`` when
it is that one's twin), so a catalog of 30 is the start of a catalog of 60. About one chain
hotel in six has a twin: the same brand in the same district, some 600 m away, named alike
("ibis Paris Gare du Nord" and "ibis Paris Gare du Nord Château Landon"), the near misses a
matcher must keep apart.
"""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass

from guidera_grpc.sandbox.seeds import stable_int, stable_rng, stable_unit
from guidera_grpc.sandbox.stays.chains import INDEPENDENT_NAMES, Brand, brands_for
from guidera_grpc.sandbox.stays.cities import City

EARTH_RADIUS_M = 6_371_008.8
MAX_RADIUS_M = 4_000.0
TWIN_DISTANCE_M = (550.0, 700.0)
TWIN_SHARE = 0.25
CHAIN_SHARE = 0.55
MAX_PROPERTIES = 1000

_TWIN_QUALIFIERS = {
    "FR": ("Château Landon", "Rive Gauche", "Bercy", "Nord", "Est"),
    "IT": ("Nord", "Stazione", "Est", "Prati"),
    "ES": ("Norte", "Estación", "Este", "Parque"),
}
_ENGLISH_QUALIFIERS = ("North", "East", "West", "Park", "Station")
_INDEPENDENT_STARS = ((2, 0.1), (3, 0.35), (4, 0.4), (5, 0.15))
_FOUR_DIGIT_POSTCODES = frozenset({"AT", "CH", "PT", "HU", "DK", "BE", "NO", "AU", "NZ", "ZA"})
_UK_DISTRICT_CODES = ("W2", "W8", "WC2N", "SW1V", "EC1V", "N1", "SE1", "E14")


@dataclass(frozen=True, slots=True)
class Property:
    """One hotel as it really is; suppliers show it with their own ids, names and rounding."""

    key: str
    index: int
    city: City
    brand: Brand | None
    core: str
    """The brand's district (``Gare du Nord``) or an independent's own name (``Lutetia``)."""
    qualifier: str
    """What tells a twin apart from its sibling, else ""."""
    stars: int
    lat: float
    lon: float
    street: str
    street_number: int
    postal_code: str
    review_score: float
    """Out of 10."""
    review_count: int
    price_factor: float
    twin_of: int | None = None

    @property
    def name(self) -> str:
        """The name on the building."""
        if self.brand is not None:
            parts = [self.brand.name, self.city.name, self.core, self.qualifier]
            return " ".join(part for part in parts if part)
        return f"{independent_prefix(self.city.country)} {self.core}"

    @property
    def address_line(self) -> str:
        """Street and number, in the country's order."""
        if self.city.country in ("GB", "IE", "US", "FR", "AU", "CA"):
            return f"{self.street_number} {self.street}"
        return f"{self.street} {self.street_number}"


def independent_prefix(country: str) -> str:
    """How an independent hotel's name starts in ``country``."""
    return "Hôtel" if country in ("FR", "BE", "CH") else "Hotel"


def default_size(city: City) -> int:
    """How many properties a city has when no knob says otherwise: 20 to 60."""
    spread = stable_int("size", city.code) % 21
    return (40 if city.well_known else 20) + spread


def catalog(city: City, size: int) -> tuple[Property, ...]:
    """The first ``size`` properties of ``city`` (at most ``MAX_PROPERTIES``)."""
    return _catalog(city, min(max(size, 0), MAX_PROPERTIES))


def property_at(city: City, index: int) -> Property | None:
    """Property ``index`` of ``city``, or None out of range."""
    if not 0 <= index < MAX_PROPERTIES:
        return None
    return _catalog(city, index + 1)[index]


@functools.lru_cache(maxsize=256)
def _catalog(city: City, size: int) -> tuple[Property, ...]:
    built: list[Property] = []
    taken: set[str] = set()
    for index in range(size):
        previous = built[-1] if built else None
        if previous is not None and _becomes_twin(city, index, previous):
            prop = _twin(previous, index)
        else:
            prop = _property(city, index, taken)
        taken.add(prop.name)
        built.append(prop)
    return tuple(built)


def _becomes_twin(city: City, index: int, previous: Property) -> bool:
    if previous.brand is None or previous.twin_of is not None:
        return False
    return stable_unit("twin", city.code, index) < TWIN_SHARE


def _property(city: City, index: int, taken: set[str]) -> Property:
    """A new property whose name no earlier property of the city has."""
    rng = stable_rng("stay", city.code, index)
    lat, lon = _offset(city.lat, city.lon, MAX_RADIUS_M * math.sqrt(rng.random()), rng)
    brand, core = _chain_name(city, rng, taken) if rng.random() < CHAIN_SHARE else (None, "")
    if brand is None:
        core = _independent_name(city, rng, taken)
    stars = brand.stars if brand is not None else _weighted_stars(rng.random())
    return Property(
        key=f"{city.code}-{index:03d}",
        index=index,
        city=city,
        brand=brand,
        core=core,
        qualifier="",
        stars=stars,
        lat=lat,
        lon=lon,
        street=rng.choice(city.streets),
        street_number=rng.randint(1, 180),
        postal_code=_postal_code(city, rng),
        review_score=round(min(9.8, 5.8 + stars * 0.5 + rng.uniform(-0.6, 1.2)), 1),
        review_count=rng.randint(40, 4200),
        price_factor=rng.uniform(0.85, 1.25),
    )


def _twin(sibling: Property, index: int) -> Property:
    rng = stable_rng("twin", sibling.city.code, index)
    qualifiers = _TWIN_QUALIFIERS.get(sibling.city.country, _ENGLISH_QUALIFIERS)
    lat, lon = _offset(sibling.lat, sibling.lon, rng.uniform(*TWIN_DISTANCE_M), rng)
    return Property(
        key=f"{sibling.city.code}-{index:03d}",
        index=index,
        city=sibling.city,
        brand=sibling.brand,
        core=sibling.core,
        qualifier=rng.choice(qualifiers),
        stars=sibling.stars,
        lat=lat,
        lon=lon,
        street=rng.choice(sibling.city.streets),
        street_number=rng.randint(1, 180),
        postal_code=_postal_code(sibling.city, rng),
        review_score=round(min(9.8, sibling.review_score + rng.uniform(-0.7, 0.5)), 1),
        review_count=rng.randint(40, 4200),
        price_factor=rng.uniform(0.85, 1.2),
        twin_of=sibling.index,
    )


def _chain_name(city: City, rng: random.Random, taken: set[str]) -> tuple[Brand | None, str]:
    """A brand and district not yet taken together, or (None, "") after a few tries."""
    for _ in range(4):
        brand, district = rng.choice(brands_for(city.country)), rng.choice(city.districts)
        if f"{brand.name} {city.name} {district}" not in taken:
            return brand, district
    return None, ""


def _independent_name(city: City, rng: random.Random, taken: set[str]) -> str:
    """A name no independent of the city has yet, with a district added when all are used."""
    prefix = independent_prefix(city.country)
    free = [name for name in INDEPENDENT_NAMES if f"{prefix} {name}" not in taken]
    if free:
        return rng.choice(free)
    return f"{rng.choice(INDEPENDENT_NAMES)} {rng.choice(city.districts)}"


def _weighted_stars(roll: float) -> int:
    for stars, share in _INDEPENDENT_STARS:
        if roll < share:
            return stars
        roll -= share
    return _INDEPENDENT_STARS[-1][0]


def _offset(lat: float, lon: float, distance_m: float, rng: random.Random) -> tuple[float, float]:
    """The point ``distance_m`` from (lat, lon) in a random direction."""
    return move(lat, lon, distance_m, rng.uniform(0.0, 2 * math.pi))


def move(lat: float, lon: float, distance_m: float, bearing: float) -> tuple[float, float]:
    """The point ``distance_m`` metres from (lat, lon) along ``bearing`` (radians from north)."""
    north = distance_m * math.cos(bearing)
    east = distance_m * math.sin(bearing)
    new_lat = lat + math.degrees(north / EARTH_RADIUS_M)
    new_lon = lon + math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return round(new_lat, 7), round(new_lon, 7)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _postal_code(city: City, rng: random.Random) -> str:
    if city.country == "GB":
        letters = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
        return f"{rng.choice(_UK_DISTRICT_CODES)} {rng.randint(1, 9)}{letters}"
    if city.country == "NL":
        letters = "".join(rng.choice("ABCDEGHJKLMNPRSTVWXZ") for _ in range(2))
        return f"{1011 + rng.randint(0, 98)} {letters}"
    width = 4 if city.country in _FOUR_DIGIT_POSTCODES else 5
    prefix = city.postal_prefix[:width]
    if city.code == "PAR":
        return f"750{rng.randint(1, 20):02d}"
    digits = "".join(str(rng.randint(0, 9)) for _ in range(width - len(prefix)))
    return prefix + digits

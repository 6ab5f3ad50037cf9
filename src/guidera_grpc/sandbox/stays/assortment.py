"""Which supplier sells which property, under which id and name, at which coordinates.

Every supplier sees the same catalog. Each keeps a share of it (the GDS mostly chains), shows
each property under its own id (an Expedia number, a Hotelbeds code, an Amadeus ``IBPAR0K7``),
spells the name its own way and rounds the coordinates a few metres off, sometimes leaving
them out. Ids encode the city and the catalog index, so any id can be read back without state.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from guidera_grpc.sandbox.seeds import stable_unit
from guidera_grpc.sandbox.stays import naming
from guidera_grpc.sandbox.stays.chains import INDEPENDENT_CODE
from guidera_grpc.sandbox.stays.cities import City, find_city
from guidera_grpc.sandbox.stays.properties import (
    MAX_PROPERTIES,
    Property,
    catalog,
    default_size,
    move,
    property_at,
)

_ID_SPACE = 10**8
_BASE36 = string.digits + string.ascii_uppercase


@dataclass(frozen=True, slots=True)
class Seller:
    """How one supplier carries the catalog."""

    code: str
    chain_share: float
    independent_share: float
    jitter_m: float
    no_coordinates_share: float
    price_factor: float
    price_spread: float
    name: Callable[[Property], str]
    multiplier: int


SELLERS: dict[str, Seller] = {
    "expedia": Seller("expedia", 0.82, 0.8, 15.0, 0.0, 1.0, 0.04, naming.expedia_name, 48271),
    "hotelbeds": Seller(
        "hotelbeds", 0.72, 0.82, 60.0, 0.08, 0.85, 0.03, naming.hotelbeds_name, 7919
    ),
    "amadeus": Seller("amadeus", 0.88, 0.3, 40.0, 0.06, 1.02, 0.03, naming.amadeus_name, 0),
}


@dataclass(frozen=True, slots=True)
class Listing:
    """A property as one supplier shows it."""

    seller: Seller
    hotel: Property
    supplier_id: str
    name: str
    lat: float | None
    lon: float | None

    @property
    def price_factor(self) -> Decimal:
        """The supplier's multiplier on the property's own price (net for a wholesaler)."""
        roll = stable_unit("price", self.seller.code, self.hotel.key) * 2 - 1
        return Decimal(str(round(self.seller.price_factor + roll * self.seller.price_spread, 4)))


def sells(seller: Seller, prop: Property) -> bool:
    """Whether ``seller`` carries ``prop``."""
    share = seller.chain_share if prop.brand is not None else seller.independent_share
    return stable_unit("sells", seller.code, prop.key) < share


def listing(seller: Seller, prop: Property) -> Listing:
    """``prop`` as ``seller`` shows it."""
    lat: float | None = None
    lon: float | None = None
    if stable_unit("no-coordinates", seller.code, prop.key) >= seller.no_coordinates_share:
        distance = seller.jitter_m * stable_unit("jitter", seller.code, prop.key)
        bearing = 2 * math.pi * stable_unit("bearing", seller.code, prop.key)
        lat, lon = move(prop.lat, prop.lon, distance, bearing)
    return Listing(seller, prop, _encode_id(seller, prop), seller.name(prop), lat, lon)


def listings(seller: Seller, city: City, limit: int) -> list[Listing]:
    """The first ``limit`` properties of ``city`` that ``seller`` carries, in catalog order."""
    size = max(default_size(city), min(limit, MAX_PROPERTIES))
    sold = [listing(seller, prop) for prop in catalog(city, size) if sells(seller, prop)]
    return sold[:limit]


def find_listing(seller: Seller, supplier_id: str) -> Listing | None:
    """The listing ``seller`` knows by ``supplier_id``, or None for an id it never gave."""
    decoded = _decode_id(seller, supplier_id.strip())
    if decoded is None:
        return None
    city = find_city(decoded[0])
    prop = property_at(city, decoded[1]) if city is not None else None
    if prop is None or prop.city.code != decoded[0] or not sells(seller, prop):
        return None
    found = listing(seller, prop)
    return found if found.supplier_id == supplier_id.strip() else None


def _encode_id(seller: Seller, prop: Property) -> str:
    city_number = _letters_to_number(prop.city.code)
    if seller.multiplier == 0:
        return _amadeus_id(prop)
    return str((city_number * 1000 + prop.index) * seller.multiplier % _ID_SPACE)


def _decode_id(seller: Seller, supplier_id: str) -> tuple[str, int] | None:
    if seller.multiplier == 0:
        return _decode_amadeus_id(supplier_id)
    if not supplier_id.isdigit():
        return None
    number = int(supplier_id) * pow(seller.multiplier, -1, _ID_SPACE) % _ID_SPACE
    city_number, index = divmod(number, 1000)
    if city_number >= 26**3:
        return None
    return _number_to_letters(city_number), index


def _amadeus_id(prop: Property) -> str:
    """Chain code, city code and the scrambled index in three base-36 digits: ``IBPAR0K7``."""
    chain = prop.brand.code if prop.brand is not None else INDEPENDENT_CODE
    scrambled = (prop.index * 2971 + 77) % 36**3
    digits = "".join(_BASE36[scrambled // 36**power % 36] for power in (2, 1, 0))
    return f"{chain}{prop.city.code}{digits}"


def _decode_amadeus_id(hotel_id: str) -> tuple[str, int] | None:
    if len(hotel_id) != 8 or not hotel_id.isalnum() or not hotel_id.isupper():
        return None
    city_code, digits = hotel_id[2:5], hotel_id[5:]
    if not city_code.isalpha() or any(char not in _BASE36 for char in digits):
        return None
    scrambled = int(digits, 36)
    index = (scrambled - 77) * pow(2971, -1, 36**3) % 36**3
    return city_code, index


def _letters_to_number(code: str) -> int:
    number = 0
    for char in code.upper():
        number = number * 26 + (ord(char) - ord("A"))
    return number


def _number_to_letters(number: int) -> str:
    letters = []
    for _ in range(3):
        number, digit = divmod(number, 26)
        letters.append(chr(ord("A") + digit))
    return "".join(reversed(letters))

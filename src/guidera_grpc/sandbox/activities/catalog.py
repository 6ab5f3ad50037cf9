"""The experiences of a city and how each supplier lists them: the emulators' one inventory.

``experiences(code)`` builds a city's catalogue once from the specs: hand-written ones for
famous cities, templates for all. Each experience carries a ``Listing`` for every supplier that
sells it, with that supplier's id, title, duration, price and reviews. ``search`` filters by date
range and by the words of a free-text query; ``by_product_id`` finds a listing again from its
id alone, since every id encodes its city and position.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from guidera_grpc.sandbox.activities.cities import City, city_of, day_trip_from
from guidera_grpc.sandbox.activities.landmarks import CURATED
from guidera_grpc.sandbox.activities.specs import (
    GYG,
    HOTELBEDS,
    SELLERS,
    TEMPLATES,
    VIATOR,
    Point,
    Spec,
)
from guidera_grpc.sandbox.seeds import stable_int, stable_unit

CENT = Decimal("0.01")
MAX_PER_CITY = 40
GYG_ID_BASE = 100_000
VIATOR_ID_BASE = 10_000
SOLD_OUT_ONE_IN = 30
_WORD = re.compile(r"[a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l"})

#: Tour prices by country relative to the templates' euro prices.
_COUNTRY_PRICE = {
    "CH": 1.35, "NO": 1.30, "IS": 1.40, "DK": 1.25, "SE": 1.15, "GB": 1.15, "US": 1.20,
    "CA": 1.10, "AU": 1.10, "JP": 1.05, "SG": 1.10, "AE": 1.10, "TR": 0.70, "EG": 0.55,
    "MA": 0.60, "TH": 0.60, "MX": 0.70, "BR": 0.70, "AR": 0.65, "ZA": 0.70, "HU": 0.75,
    "CZ": 0.80, "PL": 0.75, "PT": 0.90, "GR": 0.90, "IN": 0.50, "VN": 0.50, "ID": 0.55,
}  # fmt: skip
#: The language guides speak besides English, by country.
_LOCAL_LANGUAGE = {
    "IT": "it", "FR": "fr", "ES": "es", "DE": "de", "AT": "de", "CH": "de", "PT": "pt",
    "BR": "pt", "NL": "nl", "BE": "fr", "JP": "ja", "CN": "zh", "KR": "ko", "MX": "es",
    "AR": "es", "PL": "pl", "CZ": "cs", "HU": "hu", "GR": "el", "TR": "tr", "SE": "sv",
    "NO": "no", "DK": "da", "RU": "ru", "TH": "th",
}  # fmt: skip
#: Supplier price levels: Viator lists its recommended retail price, Hotelbeds a net-based one.
_SUPPLIER_PRICE = {GYG: 1.00, VIATOR: 1.03, HOTELBEDS: 0.96}


@dataclass(frozen=True, slots=True)
class Listing:
    """One supplier's listing of an experience."""

    supplier: str
    product_id: str
    title: str
    minutes_from: int
    minutes_to: int
    price_eur: Decimal
    """Per adult, or per group when the experience is priced per group."""
    rating: float | None
    """Average out of 5; None when there are no reviews."""
    reviews: int

    @property
    def fixed_duration(self) -> bool:
        """Whether the supplier gives one duration rather than a range."""
        return self.minutes_from == self.minutes_to


@dataclass(frozen=True, slots=True)
class Slot:
    """A start time on one day and the places left in it (0: sold out)."""

    start: dt.datetime
    places_left: int


@dataclass(frozen=True, slots=True)
class Experience:
    """One product in one city, and every listing of it."""

    key: str
    index: int
    city: City
    spec: Spec
    title_words: Mapping[str, frozenset[str]]
    description: str
    meeting_point: Point
    languages: tuple[str, ...]
    listings: Mapping[str, Listing]

    def operates_on(self, day: dt.date) -> bool:
        """Whether it runs that day: not on its closing days, and not on a rare day off."""
        if day.weekday() in self.spec.closed:
            return False
        return stable_unit("day-off", self.key, day) >= 0.04

    def slots(self, day: dt.date) -> tuple[Slot, ...]:
        """The start times of one day, with the places left in each."""
        if not self.operates_on(day):
            return ()
        return tuple(self._slot(day, start) for start in self.spec.starts)

    def days_between(self, first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
        """The days from ``first`` to ``last`` it runs on."""
        span = (last - first).days + 1
        days = (first + dt.timedelta(days=offset) for offset in range(max(0, span)))
        return tuple(day for day in days if self.operates_on(day))

    def mentions(self, supplier: str, words: Iterable[str]) -> bool:
        """Whether every word starts a word of the supplier's title or of the description."""
        known = self.title_words[supplier]
        return all(any(candidate.startswith(word) for candidate in known) for word in words)

    def _slot(self, day: dt.date, start: str) -> Slot:
        moment = dt.datetime.combine(day, dt.time.fromisoformat(start))
        left = stable_int("places", self.key, moment) % SOLD_OUT_ONE_IN
        return Slot(moment, left)


def fold(text: str) -> str:
    """Lower case, accents and ligatures spelled out: "Sacré-Cœur" becomes "sacre-coeur"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words_of(text: str) -> tuple[str, ...]:
    """The folded words of ``text``."""
    return tuple(_WORD.findall(fold(text)))


@functools.lru_cache(maxsize=512)
def experiences(code: str) -> tuple[Experience, ...]:
    """The catalogue of the city an IATA code names; empty for an unknown code."""
    city = city_of(code)
    if city is None:
        return ()
    trip = day_trip_from(city)
    curated = CURATED.get(city.code, ())
    specs = [*curated, *(t for t in TEMPLATES if not (t.generic_only and curated))]
    built = (
        _experience(city, index, spec, trip)
        for index, spec in enumerate(specs[:MAX_PER_CITY])
        if trip is not None or "{trip}" not in spec.description
    )
    return tuple(sorted(built, key=_popularity))


def search(
    supplier: str, code: str, first: dt.date, last: dt.date, text: str = ""
) -> list[Experience]:
    """What ``supplier`` sells in the city between two dates (inclusive), most popular first.

    Every word of ``text`` must start a word of the supplier's title or of the description;
    words naming the city itself are ignored, since every listing is in it.
    """
    found = experiences(code)
    if not found:
        return []
    city_words = set(words_of(found[0].city.name))
    wanted = [word for word in words_of(text) if word not in city_words]
    return [
        experience
        for experience in found
        if supplier in experience.listings
        and experience.mentions(supplier, wanted)
        and experience.days_between(first, last)
    ]


def by_product_id(supplier: str, product_id: str) -> Experience | None:
    """The experience a GetYourGuide tour id or Viator product code stands for."""
    number = _decode(supplier, product_id)
    if number is None:
        return None
    code, index = _code_of(number // MAX_PER_CITY), number % MAX_PER_CITY
    for experience in experiences(code):
        if experience.index == index and supplier in experience.listings:
            return experience
    return None


def _experience(city: City, index: int, spec: Spec, trip: City | None) -> Experience:
    key = f"{city.code}:{spec.slug}"
    fill = {"city": city.name, "trip": trip.name if trip else ""}
    description = spec.description.format(**fill)
    listings = {
        supplier: _listing(supplier, key, city, index, spec, title.format(**fill))
        for supplier, title in spec.titles.items()
        if supplier in SELLERS and _sells(supplier, key, spec, city)
    }
    return Experience(
        key=key,
        index=index,
        city=city,
        spec=spec,
        title_words=MappingProxyType(
            {
                supplier: frozenset(words_of(f"{listing.title} {description}"))
                for supplier, listing in listings.items()
            }
        ),
        description=description,
        meeting_point=spec.point or _near_centre(city, key),
        languages=_languages(city, spec),
        listings=MappingProxyType(listings),
    )


def _sells(supplier: str, key: str, spec: Spec, city: City) -> bool:
    """Hand-written listings always exist; a template is missing at a supplier now and then."""
    if _is_curated(city, spec):
        return True
    return supplier == GYG or stable_unit("sells", supplier, key) >= 0.15


def _listing(supplier: str, key: str, city: City, index: int, spec: Spec, title: str) -> Listing:
    low, high = spec.durations.get(supplier, (spec.minutes, spec.minutes))
    rating, reviews = _reviews(supplier, key, spec, curated=_is_curated(city, spec))
    return Listing(
        supplier=supplier,
        product_id=_product_id(supplier, city, index, spec),
        title=title,
        minutes_from=low,
        minutes_to=high,
        price_eur=_price(supplier, key, spec, city),
        rating=rating,
        reviews=reviews,
    )


def _is_curated(city: City, spec: Spec) -> bool:
    return spec in CURATED.get(city.code, ())


def _reviews(supplier: str, key: str, spec: Spec, *, curated: bool) -> tuple[float | None, int]:
    """Reviews each supplier collected itself; Hotelbeds publishes none."""
    if supplier == HOTELBEDS or spec.new:
        return None, 0
    base = 4.3 + 0.6 * stable_unit("rating", key)
    rating = min(5.0, round(base + 0.2 * (stable_unit("rating", supplier, key) - 0.5), 1))
    if curated:
        volume = 5_000 + stable_unit("reviews", key) ** 2 * 60_000
    else:
        volume = 200 + stable_unit("reviews", key) ** 2 * 9_000
    share = 1.0 if supplier == GYG else 0.6 + 0.3 * stable_unit("share", supplier, key)
    return rating, int(volume * share)


def _price(supplier: str, key: str, spec: Spec, city: City) -> Decimal:
    level = 1.0 if city.code in CURATED else _COUNTRY_PRICE.get(city.country, 1.0)
    noise = 1.0 if supplier == GYG else 0.98 + 0.04 * stable_unit("price", supplier, key)
    amount = Decimal(str(spec.price_eur * level * _SUPPLIER_PRICE[supplier] * noise))
    if supplier == GYG:
        return amount.quantize(Decimal(1))
    return amount.quantize(CENT)


def _product_id(supplier: str, city: City, index: int, spec: Spec) -> str:
    number = _code_number(city.code) * MAX_PER_CITY + index
    if supplier == GYG:
        return str(GYG_ID_BASE + number)
    if supplier == VIATOR:
        return f"{VIATOR_ID_BASE + number}P{1 + stable_int('option', city.code, index) % 9}"
    slug = "".join(part[:4] for part in spec.slug.upper().split("-"))
    return f"E-E10-{city.code}{slug[:10]}"


def _decode(supplier: str, product_id: str) -> int | None:
    text = product_id.strip()
    if supplier == GYG and text.isdigit():
        number = int(text) - GYG_ID_BASE
    elif supplier == VIATOR and "P" in text and text.split("P", 1)[0].isdigit():
        number = int(text.split("P", 1)[0]) - VIATOR_ID_BASE
    else:
        return None
    return number if number >= 0 else None


def _code_number(code: str) -> int:
    number = 0
    for char in code:
        number = number * 36 + int(char, 36)
    return number


def _code_of(number: int) -> str:
    chars = []
    for _ in range(3):
        number, digit = divmod(number, 36)
        chars.append("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[digit])
    return "".join(reversed(chars))


def _near_centre(city: City, key: str) -> Point:
    """A meeting point within about 800 m of the centre, the same one every time."""
    distance_m = 150 + 650 * stable_unit("meet-distance", key)
    bearing = 2 * math.pi * stable_unit("meet-bearing", key)
    lat = city.lat + distance_m * math.cos(bearing) / 111_320
    lon = city.lon + distance_m * math.sin(bearing) / (111_320 * math.cos(math.radians(city.lat)))
    return Point(f"{city.name} city centre meeting point", round(lat, 6), round(lon, 6))


def _languages(city: City, spec: Spec) -> tuple[str, ...]:
    if spec.languages:
        return spec.languages
    local = _LOCAL_LANGUAGE.get(city.country)
    curated_tour = spec.kind == "guidedTour" and _is_curated(city, spec)
    extra = ("es", "de", "fr") if curated_tour else ()
    return tuple(dict.fromkeys(("en", *((local,) if local else ()), *extra)))


def _popularity(experience: Experience) -> tuple[int, str]:
    reviews = max((listing.reviews for listing in experience.listings.values()), default=0)
    return -reviews, experience.key

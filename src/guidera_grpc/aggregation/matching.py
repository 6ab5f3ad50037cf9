"""Finds the offer already in a result set that is the same product as a new one.

Flights and cars have exact identities (the same flights in the same cabin; the same vendor,
car class, places and times). Hotels and experiences do not: each supplier names them its own
way. A hotel matches when it lies within 150 m, its name is similar once accents, case and
generic words are set aside, and the star ratings agree when both are given. An experience
matches in the same city with a similar title and a similar duration.

Candidates are bucketed first (hotels by a grid of about 200 m cells, experiences by city and
the rarest title word) so that matching n offers costs about n small comparisons, not n².
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from guidera.v1 import offer_pb2
from rapidfuzz import fuzz

from guidera_grpc.aggregation.identity import flight_key

HOTEL_RADIUS_M = 150.0
HOTEL_NAME_MIN = 80.0
EXPERIENCE_TITLE_MIN = 75.0
#: Durations of one experience at two suppliers differ by at most this share (or 30 minutes).
EXPERIENCE_DURATION_TOLERANCE = 0.25

_GRID_M = 200.0
_EARTH_M = 6_371_008.8
_WORD = re.compile(r"[a-z0-9]+")

#: Words that say what kind of place or product it is, not which one.
_HOTEL_NOISE = frozenset(
    {
        "hotel",
        "hotels",
        "hostel",
        "resort",
        "resorts",
        "spa",
        "suites",
        "suite",
        "the",
        "and",
        "by",
        "of",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "el",
        "il",
        "a",
        "an",
        "at",
        "&",
        "collection",
        "boutique",
        "inn",
    }
)
_EXPERIENCE_NOISE = frozenset(
    {
        "tour",
        "tours",
        "guided",
        "guide",
        "skip",
        "the",
        "line",
        "skip-the-line",
        "ticket",
        "tickets",
        "entry",
        "entrance",
        "with",
        "and",
        "&",
        "of",
        "in",
        "to",
        "a",
        "an",
        "small",
        "group",
        "private",
        "priority",
        "access",
        "experience",
        "visit",
        "fast",
        "track",
        "from",
        "including",
        "incl",
        "official",
    }
)


class Matcher(Protocol):
    """Remembers the offers of a result set and finds the one a new offer duplicates."""

    def find(self, offer: offer_pb2.Offer, key: str | None = None) -> str | None:
        """The id of an offer already seen that is the same product, if any. ``key`` is the
        offer's identity key when the caller has it already."""
        ...

    def remember(self, offer_id: str, offer: offer_pb2.Offer, key: str | None = None) -> None:
        """Take ``offer`` into the set under ``offer_id``."""
        ...


def identity_key(offer: offer_pb2.Offer) -> str:
    """A deterministic key of the product, from which its first offer id is derived."""
    kind = offer.WhichOneof("details")
    if kind == "flight":
        return "flight:" + flight_key(offer.flight)
    if kind == "car":
        return "car:" + car_key(offer.car)
    if kind == "hotel":
        hotel = offer.hotel
        place = hotel.property
        where = f"{place.latitude:.4f},{place.longitude:.4f}" if place.has_coordinates else ""
        names = " ".join(sorted(hotel_words(place.name)))
        return (
            f"hotel:{names}@{where}{place.city_code}:{hotel.check_in_date}:{hotel.check_out_date}"
        )
    if kind == "experience":
        exp = offer.experience
        words = " ".join(sorted(experience_words(exp.title)))
        return f"experience:{exp.location.city_code}:{words}:{exp.duration.seconds // 60}"
    if kind == "package":
        parts = offer.package
        return f"package:{parts.flight.offer_id}+{parts.hotel.offer_id}+{parts.car.offer_id}"
    first = offer.provider_prices[0] if offer.provider_prices else None
    return f"{kind}:{first.provider}:{first.provider_offer_id}" if first else f"{kind}:"


def car_key(car: offer_pb2.CarDetails) -> str:
    """The same vendor, car class, places and times: the same rental."""
    return (
        f"{car.vendor.iata_code}:{car.acriss_code}:{car.pick_up.iata_code}"
        f"@{car.pick_up_local_time[:16]}>{car.drop_off.iata_code}@{car.drop_off_local_time[:16]}"
    )


class ExactMatcher:
    """Matching by identity key alone: flights and cars."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}

    def find(self, offer: offer_pb2.Offer, key: str | None = None) -> str | None:
        return self._ids.get(key if key is not None else identity_key(offer))

    def remember(self, offer_id: str, offer: offer_pb2.Offer, key: str | None = None) -> None:
        self._ids.setdefault(key if key is not None else identity_key(offer), offer_id)


@dataclass(frozen=True, slots=True)
class _Hotel:
    offer_id: str
    words: frozenset[str]
    name: str
    lat: float
    lon: float
    has_coordinates: bool
    stars: float
    city: str


class HotelMatcher:
    """Hotels within 150 m with similar names and compatible star ratings."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[_Hotel]] = defaultdict(list)
        self._unplaced: dict[str, list[_Hotel]] = defaultdict(list)

    def find(self, offer: offer_pb2.Offer, key: str | None = None) -> str | None:
        hotel = _hotel_of("", offer)
        for candidate in self._candidates(hotel):
            if hotels_match(hotel, candidate):
                return candidate.offer_id
        return None

    def remember(self, offer_id: str, offer: offer_pb2.Offer, key: str | None = None) -> None:
        hotel = _hotel_of(offer_id, offer)
        if hotel.has_coordinates:
            self._cells[_cell(hotel.lat, hotel.lon)].append(hotel)
        else:
            self._unplaced[hotel.city].append(hotel)

    def _candidates(self, hotel: _Hotel) -> Iterable[_Hotel]:
        if not hotel.has_coordinates:
            # Without coordinates only the name can tell: compare within the city.
            return self._unplaced[hotel.city] + [
                h for cell in self._cells.values() for h in cell if h.city == hotel.city
            ]
        row, col = _cell(hotel.lat, hotel.lon)
        return [
            h
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            for h in self._cells.get((row + dr, col + dc), ())
        ] + self._unplaced[hotel.city]


def hotels_match(a: _Hotel, b: _Hotel) -> bool:
    """Same place (when both are placed), similar name, compatible stars."""
    if a.has_coordinates and b.has_coordinates:
        if distance_m(a.lat, a.lon, b.lat, b.lon) > HOTEL_RADIUS_M:
            return False
    elif a.city != b.city:
        return False
    if a.stars and b.stars and abs(a.stars - b.stars) > 0.5:
        return False
    threshold = HOTEL_NAME_MIN if a.has_coordinates and b.has_coordinates else 90.0
    return name_similarity(a.words, b.words) >= threshold


@dataclass(frozen=True, slots=True)
class _Experience:
    offer_id: str
    words: frozenset[str]
    city: str
    minutes: int


class ExperienceMatcher:
    """Experiences in one city with similar titles and durations."""

    def __init__(self) -> None:
        self._by_word: dict[tuple[str, str], list[_Experience]] = defaultdict(list)

    def find(self, offer: offer_pb2.Offer, key: str | None = None) -> str | None:
        item = _experience_of("", offer)
        seen: set[str] = set()
        for word in item.words:
            for candidate in self._by_word.get((item.city, word), ()):
                if candidate.offer_id in seen:
                    continue
                seen.add(candidate.offer_id)
                if experiences_match(item, candidate):
                    return candidate.offer_id
        return None

    def remember(self, offer_id: str, offer: offer_pb2.Offer, key: str | None = None) -> None:
        item = _experience_of(offer_id, offer)
        for word in item.words:
            self._by_word[(item.city, word)].append(item)


def experiences_match(a: _Experience, b: _Experience) -> bool:
    """Same city, durations within tolerance, similar titles."""
    if a.city != b.city:
        return False
    longer, shorter = max(a.minutes, b.minutes), min(a.minutes, b.minutes)
    if longer - shorter > max(30, longer * EXPERIENCE_DURATION_TOLERANCE):
        return False
    return name_similarity(a.words, b.words) >= EXPERIENCE_TITLE_MIN


def matcher_for(category: str) -> Matcher:
    """The matcher of a category."""
    if category == "hotels":
        return HotelMatcher()
    if category == "experiences":
        return ExperienceMatcher()
    return ExactMatcher()


def fold(text: str) -> str:
    """Lower case without accents: "Hôtel Lutétia" becomes "hotel lutetia"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def hotel_words(name: str) -> frozenset[str]:
    """The words of a hotel name that identify it."""
    words = frozenset(_WORD.findall(fold(name)))
    return (words - _HOTEL_NOISE) or words


def experience_words(title: str) -> frozenset[str]:
    """The words of an experience title that identify it."""
    raw = set(_WORD.findall(fold(title)))
    kept = raw - _EXPERIENCE_NOISE or raw
    # A plural and its singular ("Museums", "Museum") name the same thing.
    return frozenset(w[:-1] if len(w) > 4 and w.endswith("s") else w for w in kept)


def name_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """0 to 100: how alike two sets of identifying words are (rapidfuzz token set ratio)."""
    return float(fuzz.token_set_ratio(" ".join(sorted(a)), " ".join(sorted(b))))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(math.sqrt(h))


def _cell(lat: float, lon: float) -> tuple[int, int]:
    """A grid cell of about 200 m; neighbours of a cell cover every point within 200 m."""
    row = math.floor(math.radians(lat) * _EARTH_M / _GRID_M)
    scale = max(math.cos(math.radians(lat)), 0.01)
    col = math.floor(math.radians(lon) * _EARTH_M * scale / _GRID_M)
    return row, col


def _hotel_of(offer_id: str, offer: offer_pb2.Offer) -> _Hotel:
    place = offer.hotel.property
    return _Hotel(
        offer_id=offer_id,
        words=hotel_words(place.name),
        name=place.name,
        lat=place.latitude,
        lon=place.longitude,
        has_coordinates=place.has_coordinates,
        stars=offer.hotel.star_rating,
        city=place.city_code or fold(place.city_name),
    )


def _experience_of(offer_id: str, offer: offer_pb2.Offer) -> _Experience:
    exp = offer.experience
    return _Experience(
        offer_id=offer_id,
        words=experience_words(exp.title),
        city=exp.location.city_code or fold(exp.location.city_name),
        minutes=exp.duration.seconds // 60,
    )

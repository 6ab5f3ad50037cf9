"""Cities the experience catalog sells in: where their centre is and what lies a day trip away.

Any IATA airport or city code names a city: its airports come from the reference data, and a
city of the table below gets its real centre (a square, a cathedral, a town hall). Cities not in
the table are centred on their first airport, which is the best the reference data knows.
Codes of one city resolve to one canonical code (``FCO`` and ``CIA`` to ``ROM``; ``SAW`` to
``IST`` by name), so every code of a city shows the same catalogue.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from dataclasses import dataclass

import airportsdata

from guidera_grpc.reference.airports import Airport, lookup_airport, resolve_city

EARTH_RADIUS_KM = 6371.0088
DAY_TRIP_MIN_KM = 60.0
DAY_TRIP_MAX_KM = 350.0


@dataclass(frozen=True, slots=True)
class City:
    """A city with experiences: canonical code, name, country, zone and centre."""

    code: str
    name: str
    country: str
    tz: str
    lat: float
    lon: float
    centre_known: bool
    """Whether ``lat``/``lon`` is the real centre, not an airport standing in for it."""


@dataclass(frozen=True, slots=True)
class _Centre:
    code: str
    name: str
    country: str
    lat: float
    lon: float


_CENTRES: tuple[_Centre, ...] = (
    _Centre("ROM", "Rome", "IT", 41.8960, 12.4823),
    _Centre("PAR", "Paris", "FR", 48.8566, 2.3522),
    _Centre("LON", "London", "GB", 51.5080, -0.1281),
    _Centre("NYC", "New York", "US", 40.7580, -73.9855),
    _Centre("BCN", "Barcelona", "ES", 41.3870, 2.1701),
    _Centre("AMS", "Amsterdam", "NL", 52.3731, 4.8926),
    _Centre("BER", "Berlin", "DE", 52.5163, 13.3777),
    _Centre("MAD", "Madrid", "ES", 40.4168, -3.7038),
    _Centre("LIS", "Lisbon", "PT", 38.7139, -9.1394),
    _Centre("OPO", "Porto", "PT", 41.1579, -8.6291),
    _Centre("VIE", "Vienna", "AT", 48.2082, 16.3738),
    _Centre("PRG", "Prague", "CZ", 50.0875, 14.4213),
    _Centre("BUD", "Budapest", "HU", 47.4979, 19.0402),
    _Centre("ATH", "Athens", "GR", 37.9715, 23.7257),
    _Centre("IST", "Istanbul", "TR", 41.0082, 28.9784),
    _Centre("DUB", "Dublin", "IE", 53.3498, -6.2603),
    _Centre("EDI", "Edinburgh", "GB", 55.9533, -3.1883),
    _Centre("MIL", "Milan", "IT", 45.4642, 9.1900),
    _Centre("VCE", "Venice", "IT", 45.4343, 12.3388),
    _Centre("FLR", "Florence", "IT", 43.7696, 11.2558),
    _Centre("NAP", "Naples", "IT", 40.8518, 14.2681),
    _Centre("MUC", "Munich", "DE", 48.1374, 11.5755),
    _Centre("CPH", "Copenhagen", "DK", 55.6761, 12.5683),
    _Centre("STO", "Stockholm", "SE", 59.3293, 18.0686),
    _Centre("OSL", "Oslo", "NO", 59.9139, 10.7522),
    _Centre("BRU", "Brussels", "BE", 50.8467, 4.3525),
    _Centre("ZRH", "Zurich", "CH", 47.3769, 8.5417),
    _Centre("GVA", "Geneva", "CH", 46.2044, 6.1432),
    _Centre("NCE", "Nice", "FR", 43.6961, 7.2719),
    _Centre("MRS", "Marseille", "FR", 43.2965, 5.3698),
    _Centre("LYS", "Lyon", "FR", 45.7640, 4.8357),
    _Centre("SVQ", "Seville", "ES", 37.3891, -5.9845),
    _Centre("KRK", "Krakow", "PL", 50.0614, 19.9366),
    _Centre("WAW", "Warsaw", "PL", 52.2297, 21.0122),
    _Centre("REK", "Reykjavik", "IS", 64.1466, -21.9426),
    _Centre("DXB", "Dubai", "AE", 25.1972, 55.2744),
    _Centre("TYO", "Tokyo", "JP", 35.6812, 139.7671),
    _Centre("OSA", "Osaka", "JP", 34.6937, 135.5023),
    _Centre("BKK", "Bangkok", "TH", 13.7563, 100.5018),
    _Centre("SIN", "Singapore", "SG", 1.2903, 103.8520),
    _Centre("HKG", "Hong Kong", "HK", 22.2793, 114.1628),
    _Centre("SEL", "Seoul", "KR", 37.5665, 126.9780),
    _Centre("SYD", "Sydney", "AU", -33.8688, 151.2093),
    _Centre("MEL", "Melbourne", "AU", -37.8136, 144.9631),
    _Centre("LAX", "Los Angeles", "US", 34.0522, -118.2437),
    _Centre("SFO", "San Francisco", "US", 37.7749, -122.4194),
    _Centre("CHI", "Chicago", "US", 41.8781, -87.6298),
    _Centre("WAS", "Washington", "US", 38.8977, -77.0365),
    _Centre("MIA", "Miami", "US", 25.7617, -80.1918),
    _Centre("LAS", "Las Vegas", "US", 36.1147, -115.1728),
    _Centre("BOS", "Boston", "US", 42.3601, -71.0589),
    _Centre("YTO", "Toronto", "CA", 43.6532, -79.3832),
    _Centre("YMQ", "Montreal", "CA", 45.5017, -73.5673),
    _Centre("MEX", "Mexico City", "MX", 19.4326, -99.1332),
    _Centre("RIO", "Rio de Janeiro", "BR", -22.9068, -43.1729),
    _Centre("BUE", "Buenos Aires", "AR", -34.6037, -58.3816),
    _Centre("CPT", "Cape Town", "ZA", -33.9249, 18.4241),
    _Centre("RAK", "Marrakech", "MA", 31.6295, -7.9811),
    _Centre("CAI", "Cairo", "EG", 30.0444, 31.2357),
)
_BY_CODE = {centre.code: centre for centre in _CENTRES}
_BY_NAME = {(centre.name.casefold(), centre.country): centre for centre in _CENTRES}


@functools.lru_cache(maxsize=16_384)
def city_of(code: str) -> City | None:
    """The city an IATA airport or city code stands for, or None for an unknown code."""
    airport = _first_airport(code.strip().upper())
    if airport is None:
        return None
    centre = _BY_CODE.get(airport.city_code) or _by_name(airport)
    if centre is None:
        return City(
            code=airport.city_code,
            name=airport.city,
            country=airport.country,
            tz=airport.tz,
            lat=airport.lat,
            lon=airport.lon,
            centre_known=False,
        )
    return City(
        code=centre.code,
        name=centre.name,
        country=centre.country,
        tz=airport.tz,
        lat=centre.lat,
        lon=centre.lon,
        centre_known=True,
    )


@functools.lru_cache(maxsize=1024)
def day_trip_from(city: City) -> City | None:
    """The nearest well-known city a day trip away (60–350 km), if there is one."""
    best: tuple[float, _Centre] | None = None
    for centre in _CENTRES:
        if centre.code == city.code:
            continue
        km = distance_km(city.lat, city.lon, centre.lat, centre.lon)
        if DAY_TRIP_MIN_KM <= km <= DAY_TRIP_MAX_KM and (best is None or km < best[0]):
            best = (km, centre)
    return city_of(best[1].code) if best else None


@functools.cache
def known_cities() -> tuple[City, ...]:
    """The cities whose centre the table knows."""
    return tuple(city for centre in _CENTRES if (city := city_of(centre.code)) is not None)


def city_named(name: str) -> City | None:
    """The city a place name stands for ("Rome", "new york"), well-known cities first."""
    return _names().get(_folded(name))


@functools.cache
def _names() -> dict[str, City]:
    """Every city name of the reference data, folded, with the well-known table winning."""
    index: dict[str, City] = {}
    for code in sorted(airportsdata.load("IATA")):
        airport = lookup_airport(code)
        city = city_of(code) if airport is not None else None
        if city is not None:
            index.setdefault(_folded(airport.city if airport else ""), city)
    for centre in _CENTRES:
        city = city_of(centre.code)
        if city is not None:
            index[_folded(centre.name)] = city
    index.pop("", None)
    return index


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", " ".join(text.casefold().split()))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _first_airport(code: str) -> Airport | None:
    airport = lookup_airport(code)
    if airport is not None:
        return airport
    airports = resolve_city(code)
    return airports[0] if airports else None


def _by_name(airport: Airport) -> _Centre | None:
    """A centre whose name is the airport's city, or one part of it ("Arnavutköy, Istanbul")."""
    for part in (airport.city, *airport.city.split(",")):
        centre = _BY_NAME.get((part.strip().casefold(), airport.country))
        if centre is not None:
            return centre
    return None

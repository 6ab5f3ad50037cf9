"""Airports of the world by IATA code, with coordinates, IANA time zones and metro city codes.

The data comes from `airportsdata`, loaded once on first use. That data set knows airports only,
so the metropolitan city codes that suppliers accept (``LON``, ``NYC`` ...) come from a small
table here; any other airport stands for its own city.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import airportsdata

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True, eq=False)
class Airport:
    """One airport: where it is, which city it serves, and its local time zone.

    ``city`` and ``city_code`` name the metropolitan area for airports in the metro table
    (Newark is in New York, ``NYC``); any other airport is its own city code. Airports compare
    and hash by IATA code, which is cheap and unique.
    """

    iata: str
    icao: str
    name: str
    city: str
    city_code: str
    country: str
    subdivision: str
    lat: float
    lon: float
    tz: str

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Airport) and other.iata == self.iata

    def __hash__(self) -> int:
        return hash(self.iata)


@dataclass(frozen=True, slots=True)
class _Metro:
    name: str
    airports: tuple[str, ...]


_METROS: dict[str, _Metro] = {
    "BER": _Metro("Berlin", ("BER",)),
    "BJS": _Metro("Beijing", ("PEK", "PKX")),
    "BKK": _Metro("Bangkok", ("BKK", "DMK")),
    "BUE": _Metro("Buenos Aires", ("EZE", "AEP")),
    "CHI": _Metro("Chicago", ("ORD", "MDW")),
    "JKT": _Metro("Jakarta", ("CGK", "HLP")),
    "LON": _Metro("London", ("LHR", "LGW", "STN", "LTN", "LCY", "SEN")),
    "MIL": _Metro("Milan", ("MXP", "LIN", "BGY")),
    "MOW": _Metro("Moscow", ("SVO", "DME", "VKO")),
    "NYC": _Metro("New York", ("JFK", "EWR", "LGA")),
    "OSA": _Metro("Osaka", ("KIX", "ITM")),
    "PAR": _Metro("Paris", ("CDG", "ORY", "BVA")),
    "REK": _Metro("Reykjavik", ("KEF", "RKV")),
    "RIO": _Metro("Rio de Janeiro", ("GIG", "SDU")),
    "ROM": _Metro("Rome", ("FCO", "CIA")),
    "SAO": _Metro("Sao Paulo", ("GRU", "CGH", "VCP")),
    "SEL": _Metro("Seoul", ("ICN", "GMP")),
    "SPK": _Metro("Sapporo", ("CTS", "OKD")),
    "STO": _Metro("Stockholm", ("ARN", "BMA", "NYO")),
    "TYO": _Metro("Tokyo", ("HND", "NRT")),
    "WAS": _Metro("Washington", ("IAD", "DCA", "BWI")),
    "YMQ": _Metro("Montreal", ("YUL",)),
    "YTO": _Metro("Toronto", ("YYZ", "YTZ")),
}


@functools.cache
def _airports() -> dict[str, Airport]:
    metro_of = {code: city for city, metro in _METROS.items() for code in metro.airports}
    table: dict[str, Airport] = {}
    for code, row in airportsdata.load("IATA").items():
        city_code = metro_of.get(code, code)
        metro = _METROS.get(city_code)
        table[code] = Airport(
            iata=code,
            icao=str(row["icao"]),
            name=str(row["name"]),
            city=metro.name if metro else str(row["city"]),
            city_code=city_code,
            country=str(row["country"]),
            subdivision=str(row["subd"]),
            lat=float(row["lat"]),
            lon=float(row["lon"]),
            tz=str(row["tz"]),
        )
    return table


def preload() -> None:
    """Load the airport table now rather than on the first lookup (about 0.1 s)."""
    _airports()


def lookup_airport(code: str) -> Airport | None:
    """The airport with this IATA code (any case), or None when no such airport exists."""
    return _airports().get(code.strip().upper())


def is_city_code(code: str) -> bool:
    """Whether ``code`` names a metropolitan area served by several airports (``LON``)."""
    return code.strip().upper() in _METROS


@functools.lru_cache(maxsize=4096)
def resolve_city(code: str) -> tuple[Airport, ...]:
    """The airports serving a city code, or the airport itself for an airport code.

    Unknown codes give an empty tuple.
    """
    key = code.strip().upper()
    metro = _METROS.get(key)
    if metro is not None:
        table = _airports()
        return tuple(table[iata] for iata in metro.airports if iata in table)
    airport = lookup_airport(key)
    return (airport,) if airport else ()


@functools.lru_cache(maxsize=65536)
def great_circle_km(a: Airport, b: Airport) -> float:
    """The great-circle (haversine) distance between two airports in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))

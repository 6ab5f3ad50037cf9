"""Where cars are rented: a desk at each airport, and one downtown in the larger cities.

An airport code means that airport's desks. A metropolitan city code (``LON``, ``PAR``, ``NYC``
...) means the desks at each of its airports plus one downtown, near the main station, whose
coordinates come from the table below. Airport desks are open around the clock; downtown desks
from 08:00 to 18:00 local time.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass

from guidera_grpc.reference.airports import (
    EARTH_RADIUS_KM,
    Airport,
    is_city_code,
    lookup_airport,
    resolve_city,
)
from guidera_grpc.sandbox.flights.regions import region_of

DOWNTOWN_OPENS = dt.time(8, 0)
DOWNTOWN_CLOSES = dt.time(18, 0)


@dataclass(frozen=True, slots=True)
class _Downtown:
    label: str
    lat: float
    lon: float
    address: str


_DOWNTOWN: dict[str, _Downtown] = {
    "BER": _Downtown("Hauptbahnhof", 52.5251, 13.3694, "Europaplatz 1, 10557 Berlin"),
    "BJS": _Downtown("Beijing Railway Station", 39.9029, 116.4272, "Beijing Zhan, Dongcheng"),
    "BKK": _Downtown("Sukhumvit", 13.7367, 100.5608, "Sukhumvit Road, Khlong Toei"),
    "BUE": _Downtown("Retiro", -34.5913, -58.3747, "Avenida Ramos Mejia 1302, Retiro"),
    "CHI": _Downtown("Union Station", 41.8786, -87.6403, "225 S Canal St, Chicago, IL 60606"),
    "JKT": _Downtown("Gambir", -6.1767, 106.8306, "Jalan Medan Merdeka Timur, Gambir"),
    "LON": _Downtown("Victoria Station", 51.4952, -0.1441, "Terminus Place, London SW1V 1JU"),
    "MIL": _Downtown("Centrale", 45.4862, 9.2046, "Piazza Duca d'Aosta 1, 20124 Milano"),
    "MOW": _Downtown("Leningradsky Station", 55.7764, 37.6553, "Komsomolskaya Square 3"),
    "NYC": _Downtown("Midtown West", 40.7549, -73.9910, "West 40th Street, New York, NY 10018"),
    "OSA": _Downtown("Shin-Osaka", 34.7334, 135.5002, "Shin-Osaka Station, Yodogawa-ku"),
    "PAR": _Downtown("Gare de Lyon", 48.8443, 2.3744, "Place Louis-Armand, 75012 Paris"),
    "REK": _Downtown("City Centre", 64.1466, -21.9426, "Laekjargata, 101 Reykjavik"),
    "RIO": _Downtown("Copacabana", -22.9711, -43.1822, "Avenida Atlantica, Copacabana"),
    "ROM": _Downtown("Termini", 41.9010, 12.5016, "Piazza dei Cinquecento, 00185 Roma"),
    "SAO": _Downtown("Paulista", -23.5614, -46.6559, "Avenida Paulista, Bela Vista"),
    "SEL": _Downtown("Seoul Station", 37.5547, 126.9707, "Hangang-daero 405, Jung-gu"),
    "SPK": _Downtown("Sapporo Station", 43.0687, 141.3508, "Kita 6 Jonishi 4, Kita-ku"),
    "STO": _Downtown("Central Station", 59.3303, 18.0582, "Centralplan 15, 111 20 Stockholm"),
    "TYO": _Downtown("Tokyo Station", 35.6812, 139.7671, "Marunouchi 1-chome, Chiyoda-ku"),
    "WAS": _Downtown("Union Station", 38.8973, -77.0063, "50 Massachusetts Ave NE, DC 20002"),
    "YMQ": _Downtown("Gare Centrale", 45.4998, -73.5665, "895 Rue de la Gauchetiere O"),
    "YTO": _Downtown("Union Station", 43.6453, -79.3806, "65 Front St W, Toronto, ON"),
}


@dataclass(frozen=True, slots=True)
class RentalLocation:
    """One rental desk location: an airport or a downtown office."""

    key: str
    """``LHR`` for an airport, ``LON-DT`` for a downtown office."""
    code: str
    """The airport's IATA code, or the city code downtown."""
    city_code: str
    city: str
    name: str
    at_airport: bool
    country: str
    region: str
    lat: float
    lon: float
    tz: str
    address: str

    def open_at(self, moment: dt.datetime) -> bool:
        """Whether a car can be picked up or returned here at this local time."""
        if self.at_airport:
            return True
        return DOWNTOWN_OPENS <= moment.time() <= DOWNTOWN_CLOSES


def _airport_desk(airport: Airport) -> RentalLocation:
    return RentalLocation(
        key=airport.iata,
        code=airport.iata,
        city_code=airport.city_code,
        city=airport.city,
        name=airport.name,
        at_airport=True,
        country=airport.country,
        region=region_of(airport),
        lat=airport.lat,
        lon=airport.lon,
        tz=airport.tz,
        address=f"Car rental centre, {airport.name}",
    )


def _downtown_desk(city_code: str, main: Airport) -> RentalLocation | None:
    downtown = _DOWNTOWN.get(city_code)
    if downtown is None:
        return None
    return RentalLocation(
        key=f"{city_code}-DT",
        code=city_code,
        city_code=city_code,
        city=main.city,
        name=f"{main.city} - {downtown.label}",
        at_airport=False,
        country=main.country,
        region=region_of(main),
        lat=downtown.lat,
        lon=downtown.lon,
        tz=main.tz,
        address=downtown.address,
    )


@functools.lru_cache(maxsize=1024)
def locations_for(code: str) -> tuple[RentalLocation, ...]:
    """The desks behind an IATA airport or city code; empty for an unknown code."""
    text = code.strip().upper()
    if is_city_code(text):
        airports = resolve_city(text)
        desks = [_airport_desk(airport) for airport in airports]
        downtown = _downtown_desk(text, airports[0]) if airports else None
        return (*desks, downtown) if downtown else tuple(desks)
    airport = lookup_airport(text)
    return (_airport_desk(airport),) if airport else ()


def return_desk(code: str, pick_up: RentalLocation) -> RentalLocation | None:
    """Where a car picked up at ``pick_up`` goes back when the traveler names ``code``.

    The same desk when ``code`` covers it (a round trip); otherwise a desk of the same kind
    (airport or downtown) behind ``code``, else the first one there.
    """
    desks = locations_for(code)
    if not desks:
        return None
    if pick_up in desks:
        return pick_up
    same_kind = [desk for desk in desks if desk.at_airport == pick_up.at_airport]
    return (same_kind or list(desks))[0]


def distance_km(a: RentalLocation, b: RentalLocation) -> float:
    """The great-circle distance between two desks."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))

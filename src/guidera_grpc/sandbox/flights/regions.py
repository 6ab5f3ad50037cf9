"""The world region of an airport, coarse enough to decide which airlines plausibly fly there.

Derived from the airport's country where the time-zone area would mislead (the Americas split
north and south, the Middle East out of Asia, Atlantic and Indian Ocean islands), and from the
IANA time-zone area otherwise.
"""

from __future__ import annotations

import functools

from guidera_grpc.reference.airports import Airport


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NORTH_AMERICA = _codes(
    "US CA MX GT BZ SV HN NI CR PA CU JM HT DO PR BS BB TT AG DM GD KN LC VC AW CW SX BQ KY "
    "TC VG VI AI MS GP MQ BL MF PM BM GL"
)
_SOUTH_AMERICA = _codes("AR BO BR CL CO EC GY PY PE SR UY VE GF FK")
_MIDDLE_EAST = _codes("AE BH IL IQ IR JO KW LB OM PS QA SA SY YE")
_EUROPE_ATLANTIC = _codes("IS PT ES FO GB IE")
_AFRICA_OCEAN = _codes("CV MU SC RE MG KM YT ST SH")
_ASIA_OCEAN = _codes("MV IO")

_BY_TZ_AREA = {
    "Europe": "europe",
    "Asia": "asia",
    "Africa": "africa",
    "Australia": "oceania",
    "Pacific": "oceania",
    "Antarctica": "oceania",
    "America": "north_america",
    "Atlantic": "europe",
    "Indian": "asia",
    "Arctic": "europe",
}


@functools.lru_cache(maxsize=8192)
def region_of(airport: Airport) -> str:
    """One of europe, north_america, south_america, asia, middle_east, africa, oceania."""
    country = airport.country
    if country in _NORTH_AMERICA:
        return "north_america"
    if country in _SOUTH_AMERICA:
        return "south_america"
    if country in _MIDDLE_EAST:
        return "middle_east"
    if country in _EUROPE_ATLANTIC:
        return "europe"
    if country in _AFRICA_OCEAN:
        return "africa"
    if country in _ASIA_OCEAN:
        return "asia"
    area = airport.tz.split("/", 1)[0]
    return _BY_TZ_AREA.get(area, "asia")

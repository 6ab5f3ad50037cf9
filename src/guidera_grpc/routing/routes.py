"""Route types: how routing names the shape of a trip.

A flight search is ``multi_city`` when it has more than two slices or two that do not come back
to where they started (an open jaw); otherwise its first slice decides: ``domestic_us`` (both
ends in the United States), ``intra_europe``, ``transatlantic`` (North America and Europe),
``transpacific`` (the Americas and Asia or Oceania), else ``international``. A stay, a car or
an experience is ``domestic`` or ``international`` relative to the traveler's home, when known.
"""

from __future__ import annotations

from collections.abc import Sequence

from guidera_grpc.reference.airports import lookup_airport
from guidera_grpc.reference.regions import country_of, region_of
from guidera_grpc.search.params import SliceSpec

DOMESTIC_US = "domestic_us"
INTRA_EUROPE = "intra_europe"
TRANSATLANTIC = "transatlantic"
TRANSPACIFIC = "transpacific"
MULTI_CITY = "multi_city"
INTERNATIONAL = "international"
DOMESTIC = "domestic"

_AMERICAS = frozenset({"north_america", "south_america"})
_ASIA_PACIFIC = frozenset({"asia", "oceania"})


def is_multi_city(slices: Sequence[SliceSpec]) -> bool:
    """More than two slices, or two whose second does not return to where the first began.

    Ends compare by city, so New York to London and back from Gatwick to Newark is a round
    trip, not an open jaw.
    """
    if len(slices) > 2:
        return True
    if len(slices) < 2:
        return False
    first, second = slices
    returns_home = _city(second.destination) == _city(first.origin)
    leaves_from_arrival = _city(second.origin) == _city(first.destination)
    return not (returns_home and leaves_from_arrival)


def flight_route_type(slices: Sequence[SliceSpec]) -> str | None:
    """The route type of a flight search, or None when a place is unknown."""
    if is_multi_city(slices):
        return MULTI_CITY
    if not slices:
        return None
    return route_between(slices[0].origin, slices[0].destination)


def route_between(origin: str, destination: str) -> str | None:
    """The route type of a trip between two airport or city codes."""
    origin_country, destination_country = country_of(origin), country_of(destination)
    origin_region, destination_region = region_of(origin), region_of(destination)
    if origin_region is None or destination_region is None:
        return None
    if origin_country == destination_country == "US":
        return DOMESTIC_US
    ends = {origin_region, destination_region}
    if ends == {"europe"}:
        return INTRA_EUROPE
    if ends == {"north_america", "europe"}:
        return TRANSATLANTIC
    if len(ends) == 2 and ends & _AMERICAS and ends & _ASIA_PACIFIC:
        return TRANSPACIFIC
    return INTERNATIONAL


def stay_route_type(home: str | None, place: str) -> str | None:
    """``domestic`` or ``international`` from home to ``place``; None without a known home."""
    home_country = country_of(home) if home else None
    place_country = country_of(place)
    if home_country is None or place_country is None:
        return None
    return DOMESTIC if home_country == place_country else INTERNATIONAL


def _city(code: str) -> str:
    airport = lookup_airport(code)
    return airport.city_code if airport else code.upper()

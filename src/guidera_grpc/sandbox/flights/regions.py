"""The world region of an airport, coarse enough to decide which airlines plausibly fly there.

The region comes from the airport's country (the service's table in reference.regions), except
that airports of a European country in an Asian time zone (Siberia, Cyprus) count as Asia:
for the sandbox's schedules that is where their carriers come from.
"""

from __future__ import annotations

import functools

from guidera_grpc.reference.airports import Airport
from guidera_grpc.reference.regions import COUNTRY_REGIONS


@functools.lru_cache(maxsize=8192)
def region_of(airport: Airport) -> str:
    """One of europe, north_america, south_america, asia, middle_east, africa, oceania."""
    region = COUNTRY_REGIONS[airport.country]
    if region == "europe" and airport.tz.startswith("Asia/"):
        return "asia"
    return region

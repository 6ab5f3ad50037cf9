"""The small searches that health checks send: one per category, a month ahead, on busy
routes every supplier of the category serves."""

from __future__ import annotations

import datetime as dt

from guidera_grpc.search.params import (
    CarSearch,
    ExperienceSearch,
    FlightSearch,
    HotelSearch,
    RoomSpec,
    SearchParams,
    SliceSpec,
)

PROBE_TIMEOUT_S = 8.0


def probe_searches(today: dt.date | None = None) -> dict[str, SearchParams]:
    """One light search per category, dated from ``today``."""
    day = (today or dt.date.today()) + dt.timedelta(days=30)
    pick_up = dt.datetime.combine(day, dt.time(10, 0))
    return {
        "flights": FlightSearch((SliceSpec("JFK", "LHR", day),), adults=1),
        "hotels": HotelSearch("PAR", day, day + dt.timedelta(days=1), (RoomSpec(1),)),
        "cars": CarSearch("LHR", "LHR", pick_up, pick_up + dt.timedelta(days=1)),
        "experiences": ExperienceSearch("ROM", day, day),
    }

"""What routing knows about one search: where, what shape of trip, who travels, and when.

A RoutingContext is built once per search from the validated request and the traveler's
context; scoring and rule matching read nothing else. Every field may be unknown (None, or
empty): unknown values earn no points and match no rule condition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from guidera.v1 import common_pb2

from guidera_grpc.reference.airports import resolve_city
from guidera_grpc.reference.regions import region_of
from guidera_grpc.routing.routes import MULTI_CITY, flight_route_type, stay_route_type
from guidera_grpc.search.params import CarSearch, FlightSearch, PackageSearch, SearchParams
from guidera_grpc.validation.search import ValidSearch

_PREMIUM_CABINS = frozenset({common_pb2.CABIN_BUSINESS, common_pb2.CABIN_FIRST})


@dataclass(frozen=True, slots=True)
class RoutingContext:
    """The facts of one search that scoring and routing rules look at.

    Regions use the vocabulary of reference.regions and route types that of routing.routes.
    ``origin_region`` is the flight's origin, or the traveler's home for the other categories;
    ``destination_region`` is where the trip goes (the flight's first destination, the hotel's
    or experience's city, the car's pick-up place). ``success_rates`` maps a provider code to
    the share (0 to 1) of this traveler's past bookings with it that succeeded. ``local_hour``
    is the hour (0 to 23) where the traveler is when searching.
    """

    category: str
    origin_region: str | None = None
    destination_region: str | None = None
    route_type: str | None = None
    budget_level: str | None = None
    travel_style: str | None = None
    home: str | None = None
    success_rates: Mapping[str, float] = field(default_factory=dict)
    multi_city: bool = False
    flexible_dates: bool = False
    business_or_first: bool = False
    local_hour: int | None = None


def build_context(
    search: ValidSearch,
    *,
    success_rates: Mapping[str, float] | None = None,
    flexible_dates: bool = False,
    now: dt.datetime | None = None,
) -> RoutingContext:
    """The routing context of ``search`` (its traveler included) at ``now`` (the current time).

    ``success_rates`` is the traveler's history with each provider, when the caller knows it.
    """
    traveler = search.traveler
    home = traveler.home or None
    params = search.params
    origin, destination = _ends(params, home)
    if isinstance(params, FlightSearch):
        route_type = flight_route_type(params.slices)
    else:
        route_type = stay_route_type(home, destination)

    return RoutingContext(
        category=search.category_name,
        origin_region=region_of(origin) if origin else None,
        destination_region=region_of(destination),
        route_type=route_type,
        budget_level=traveler.budget_level or None,
        travel_style=traveler.travel_style or None,
        home=home,
        success_rates=dict(success_rates or {}),
        multi_city=route_type == MULTI_CITY,
        flexible_dates=flexible_dates,
        business_or_first=isinstance(params, FlightSearch) and params.cabin in _PREMIUM_CABINS,
        local_hour=_local_hour(home or origin or destination, now),
    )


def _ends(params: SearchParams, home: str | None) -> tuple[str | None, str]:
    """Where the trip starts (if known) and where it goes."""
    if isinstance(params, PackageSearch):
        params = params.flight
    if isinstance(params, FlightSearch):
        return params.slices[0].origin, params.slices[0].destination
    if isinstance(params, CarSearch):
        return home, params.pick_up
    return home, params.city_code


def _known_place(code: str) -> str | None:
    code = code.strip().upper()
    return code if code and region_of(code) else None


def _local_hour(place: str, now: dt.datetime | None) -> int:
    """The hour at ``place`` (UTC when its time zone is unknown) at ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    airports = resolve_city(place)
    zone = ZoneInfo(airports[0].tz) if airports and airports[0].tz else dt.UTC
    return now.astimezone(zone).hour

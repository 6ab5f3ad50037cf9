"""Helpers to build search requests and record when each stream event arrived."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterable
from dataclasses import dataclass

from guidera.v1 import common_pb2, search_service_pb2


def days_ahead(days: int) -> str:
    """A date ``days`` from today, as YYYY-MM-DD."""
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def flight_request(
    origin: str = "JFK",
    destination: str = "LHR",
    depart: str | None = None,
    return_date: str | None = None,
    *,
    adults: int = 1,
    wait_for_all: bool = False,
    providers: tuple[str, ...] = (),
    refresh: bool = True,
) -> search_service_pb2.SearchRequest:
    """A flight search request; one-way unless a return date is given.

    ``refresh`` is on by default: most tests watch live suppliers, not the cache.
    """
    slices = [
        search_service_pb2.SliceQuery(
            origin=origin, destination=destination, departure_date=depart or days_ahead(60)
        )
    ]
    if return_date:
        slices.append(
            search_service_pb2.SliceQuery(
                origin=destination, destination=origin, departure_date=return_date
            )
        )
    return search_service_pb2.SearchRequest(
        flights=search_service_pb2.FlightQuery(
            slices=slices, travelers=common_pb2.Travelers(adults=adults)
        ),
        options=search_service_pb2.SearchOptions(
            wait_for_all=wait_for_all, providers=list(providers), refresh=refresh
        ),
    )


def hotel_request(
    city: str = "PAR",
    check_in: int = 45,
    *,
    nights: int = 2,
    adults: int = 2,
    providers: tuple[str, ...] = (),
    refresh: bool = True,
) -> search_service_pb2.SearchRequest:
    """A hotel search for one room, ``check_in`` days from today."""
    return search_service_pb2.SearchRequest(
        hotels=search_service_pb2.HotelQuery(
            city_code=city,
            check_in_date=days_ahead(check_in),
            check_out_date=days_ahead(check_in + nights),
            rooms=[search_service_pb2.RoomOccupancy(adults=adults)],
        ),
        options=search_service_pb2.SearchOptions(providers=list(providers), refresh=refresh),
    )


@dataclass(frozen=True)
class Arrival:
    """An event and how many seconds after the call it arrived."""

    at: float
    event: search_service_pb2.SearchResponse

    @property
    def kind(self) -> str:
        return self.event.WhichOneof("event") or ""


async def collect(stream: AsyncIterable[search_service_pb2.SearchResponse]) -> list[Arrival]:
    """Read a whole stream, stamping each event with its arrival time."""
    started = time.monotonic()
    return [Arrival(time.monotonic() - started, event) async for event in stream]


def of_kind(arrivals: list[Arrival], kind: str) -> list[Arrival]:
    """The arrivals of one event kind, in order."""
    return [a for a in arrivals if a.kind == kind]

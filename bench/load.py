"""The load generator: streaming searches over one gRPC channel, closed or open loop.

Each sample is one search as a client sees it: seconds to the first offers event, seconds to
the completed event, and the status it ended with.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
from guidera.v1 import common_pb2, search_service_pb2, search_service_pb2_grpc

from bench.workload import FlightSearch, HotelSearch, flight_searches, hotel_searches

#: A client's deadline for one search.
DEADLINE_S = 30.0


@dataclass(frozen=True, slots=True)
class Sample:
    """One search: when its first offers and its end arrived, and its final status."""

    first_s: float | None
    done_s: float
    code: str
    offers: int


def flight_request(
    search: FlightSearch, *, refresh: bool = True
) -> search_service_pb2.SearchRequest:
    """The request of one benchmark flight search (the three flight suppliers)."""
    return search_service_pb2.SearchRequest(
        flights=search_service_pb2.FlightQuery(
            slices=[
                search_service_pb2.SliceQuery(
                    origin=search.origin,
                    destination=search.destination,
                    departure_date=search.date.isoformat(),
                ),
                search_service_pb2.SliceQuery(
                    origin=search.destination,
                    destination=search.origin,
                    departure_date=search.return_date.isoformat(),
                ),
            ],
            travelers=common_pb2.Travelers(adults=1),
        ),
        options=search_service_pb2.SearchOptions(
            providers=["duffel", "amadeus", "kiwi"], refresh=refresh
        ),
    )


def hotel_request(search: HotelSearch) -> search_service_pb2.SearchRequest:
    """The request of one benchmark hotel search (Hotelbeds)."""
    check_out = search.check_in.fromordinal(search.check_in.toordinal() + 2)
    return search_service_pb2.SearchRequest(
        hotels=search_service_pb2.HotelQuery(
            city_code=search.city,
            check_in_date=search.check_in.isoformat(),
            check_out_date=check_out.isoformat(),
            rooms=[search_service_pb2.RoomOccupancy(adults=2)],
        ),
        options=search_service_pb2.SearchOptions(providers=["hotelbeds"], refresh=True),
    )


def requests_for(scenario: str, start: int) -> Iterator[search_service_pb2.SearchRequest]:
    """Distinct requests of ``scenario`` (flights or hotels)."""
    if scenario == "flights":
        return (flight_request(s) for s in flight_searches(start))
    return (hotel_request(s) for s in hotel_searches(start))


async def one_search(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub, request: search_service_pb2.SearchRequest
) -> Sample:
    """Run one streaming search to its end."""
    started = time.perf_counter()
    first: float | None = None
    offers = 0
    try:
        async for event in stub.Search(request, timeout=DEADLINE_S):
            kind = event.WhichOneof("event")
            if kind == "offers" and first is None:
                first = time.perf_counter() - started
            elif kind == "completed":
                offers = event.completed.total_offers
    except grpc.aio.AioRpcError as error:
        return Sample(first, time.perf_counter() - started, error.code().name, offers)
    return Sample(first, time.perf_counter() - started, "OK", offers)


async def closed_loop(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    requests: Iterator[search_service_pb2.SearchRequest],
    concurrency: int,
    count: int,
) -> list[Sample]:
    """``count`` searches, ``concurrency`` in flight at every moment."""
    samples: list[Sample] = []
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            samples.append(await one_search(stub, next(requests)))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples


async def open_loop(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    requests: Iterator[search_service_pb2.SearchRequest],
    rate: float,
    seconds: float,
) -> list[Sample]:
    """Searches started at ``rate`` a second for ``seconds``, whatever the answers take."""
    tasks: list[asyncio.Task[Sample]] = []
    started = time.perf_counter()
    n = 0
    while (due := started + n / rate) < started + seconds:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one_search(stub, next(requests))))
        n += 1
    return list(await asyncio.gather(*tasks))

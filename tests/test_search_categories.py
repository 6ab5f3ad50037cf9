"""Hotels, cars and experiences through the same streaming search, from the sandbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guidera.v1 import offer_pb2, search_service_pb2

from tests.searching import Arrival, collect, days_ahead, of_kind
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub

ANSWERED = search_service_pb2.PROVIDER_OUTCOME_ANSWERED


def _latest(arrivals: list[Arrival]) -> dict[str, offer_pb2.Offer]:
    return {
        r.offer.offer_id: r.offer
        for a in of_kind(arrivals, "offers")
        for r in a.event.offers.offers
    }


def _request(**query: object) -> search_service_pb2.SearchRequest:
    request = search_service_pb2.SearchRequest(**query)  # type: ignore[arg-type]
    request.options.refresh = True
    return request


async def test_a_paris_hotel_search_shows_a_hotel_sold_twice_once(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Expedia, Hotelbeds and Amadeus answer; the same hotel is one result with both prices,
    and each hotel appears once however many rates its sellers quoted."""
    request = _request(
        hotels=search_service_pb2.HotelQuery(
            city_code="PAR",
            check_in_date=days_ahead(40),
            check_out_date=days_ahead(43),
            rooms=[search_service_pb2.RoomOccupancy(adults=2, child_ages=[7])],
        )
    )

    arrivals = await collect(search_stub.Search(request, timeout=20))

    completed = arrivals[-1].event.completed
    assert {p.provider for p in completed.providers if p.outcome == ANSWERED} == {
        "expedia",
        "hotelbeds",
        "amadeus",
    }
    hotels = _latest(arrivals)
    shared = [o for o in hotels.values() if len(o.provider_prices) >= 2]
    assert shared
    names = [o.hotel.property.name for o in hotels.values()]
    assert len(names) == len(hotels) == completed.total_offers
    for offer in shared:
        sellers = [p.provider for p in offer.provider_prices]
        assert len(sellers) == len(set(sellers))
        assert offer.price.total == offer.provider_prices[0].price.total
    assert all(o.hotel.check_in_date == days_ahead(40) for o in hotels.values())


async def test_a_car_search_streams_cartrawler_cars_with_counter_fees(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Cars from CarTrawler, one result per vendor, class, place and times."""
    request = _request(
        cars=search_service_pb2.CarQuery(
            pick_up_location="LHR",
            pick_up_local_time=f"{days_ahead(30)}T10:00",
            drop_off_local_time=f"{days_ahead(33)}T10:00",
            driver_age=23,
        )
    )

    arrivals = await collect(search_stub.Search(request, timeout=20))

    cars = _latest(arrivals)
    assert cars
    keys = {
        (o.car.vendor.iata_code, o.car.acriss_code, o.car.pick_up_local_time) for o in cars.values()
    }
    assert len(keys) == len(cars)
    assert all(o.car.pick_up.iata_code == "LHR" for o in cars.values())
    assert any(o.price.payable_on_site.currency_code for o in cars.values())


async def test_the_colosseum_tour_from_two_suppliers_is_one_result(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """GetYourGuide and Viator sell the same Colosseum tour under other titles: one result."""
    request = _request(
        experiences=search_service_pb2.ExperienceQuery(
            city_code="ROM", from_date=days_ahead(30), to_date=days_ahead(32), text="colosseum"
        )
    )

    arrivals = await collect(search_stub.Search(request, timeout=20))

    tours = _latest(arrivals)
    merged = [
        o
        for o in tours.values()
        if {"getyourguide", "viator"} <= {p.provider for p in o.provider_prices}
    ]
    assert merged
    assert all("olosseum" in o.experience.title for o in merged)

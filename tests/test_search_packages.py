"""Package search: flights, a stay and a car searched at once, streamed as bundles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from guidera.v1 import common_pb2, search_service_pb2

from tests.searching import Arrival, collect, days_ahead, of_kind
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub


def _package(include_car: bool = True) -> search_service_pb2.SearchRequest:
    request = search_service_pb2.SearchRequest(
        package=search_service_pb2.PackageQuery(
            origin="JFK",
            destination="PAR",
            departure_date=days_ahead(50),
            return_date=days_ahead(54),
            travelers=common_pb2.Travelers(adults=2),
            include_car=include_car,
        )
    )
    request.options.refresh = True
    return request


def _bundles(arrivals: list[Arrival]) -> list[search_service_pb2.RankedOffer]:
    return [r for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]


async def test_bundles_carry_each_part_and_their_total(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """Each bundle holds a flight, a hotel and a car, priced at the sum of the parts."""
    arrivals = await collect(search_stub.Search(_package(), timeout=20))

    bundles = _bundles(arrivals)
    assert bundles
    for ranked in bundles:
        parts = ranked.offer.package
        assert parts.flight.HasField("flight")
        assert parts.hotel.HasField("hotel")
        assert parts.car.HasField("car")
        total = sum(
            p.price.display_total.units * 10**9 + p.price.display_total.nanos
            for p in (parts.flight, parts.hotel, parts.car)
        )
        price = ranked.offer.price.total
        assert abs(price.units * 10**9 + price.nanos - total) < 10**7
    completed = arrivals[-1].event.completed
    assert not completed.missing_parts
    planned = {c.provider for c in arrivals[0].event.started.plan.selected}
    assert {"cartrawler", "expedia", "amadeus"} <= planned


async def test_a_failing_hotel_part_still_streams_flights_and_names_the_gap(
    search_stub: SearchServiceAsyncStub, sandbox_control: SandboxControl
) -> None:
    """With every hotel supplier failing, bundles carry the flights and the completed event
    says hotels are missing."""
    for code in ("expedia", "hotelbeds", "amadeus"):
        await sandbox_control.set(code, error_rate=1.0)

    arrivals = await collect(search_stub.Search(_package(include_car=False), timeout=20))

    completed = arrivals[-1].event.completed
    assert list(completed.missing_parts) == [common_pb2.CATEGORY_HOTELS]
    bundles = _bundles(arrivals)
    assert bundles
    assert all(b.offer.package.flight.HasField("flight") for b in bundles)
    assert not any(b.offer.package.HasField("hotel") for b in bundles)


async def test_a_package_without_a_return_date_names_the_field(
    search_stub: SearchServiceAsyncStub,
) -> None:
    import grpc
    import pytest

    request = _package()
    request.package.return_date = ""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await collect(search_stub.Search(request, timeout=5))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "package.return_date" in (caught.value.details() or "")

"""Bad searches are refused with INVALID_ARGUMENT and a BadRequest naming each field."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import common_pb2, search_service_pb2, search_service_pb2_grpc

from tests.searching import days_ahead, flight_request


def _violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    found: dict[str, str] = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found.update({v.field: v.description for v in bad.field_violations})
    return found


async def _refusal(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub, request: search_service_pb2.SearchRequest
) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in stub.Search(request, timeout=5):
            pass
    return caught.value


def _with_travelers(**counts: object) -> search_service_pb2.SearchRequest:
    request = flight_request()
    request.flights.travelers.CopyFrom(common_pb2.Travelers(**counts))  # type: ignore[arg-type]
    return request


def _with_cabin(cabin: int) -> search_service_pb2.SearchRequest:
    request = flight_request()
    request.flights.cabin = cabin  # type: ignore[assignment]
    return request


CASES = [
    ("unknown airport", flight_request(origin="QQQ"), "flights.slices[0].origin"),
    ("not a code", flight_request(destination="London"), "flights.slices[0].destination"),
    ("past date", flight_request(depart="2020-01-10"), "flights.slices[0].departure_date"),
    ("malformed date", flight_request(depart="10/03/2027"), "flights.slices[0].departure_date"),
    (
        "return before departure",
        flight_request(depart=days_ahead(30), return_date=days_ahead(20)),
        "flights.slices[1].departure_date",
    ),
    ("no adults", _with_travelers(adults=0), "flights.travelers.adults"),
    ("ten travelers", _with_travelers(adults=6, child_ages=[5, 6, 7, 8]), "flights.travelers"),
    ("unknown cabin", _with_cabin(42), "flights.cabin"),
    ("infant without adult", _with_travelers(adults=1, infants=2), "flights.travelers.infants"),
]


@pytest.mark.parametrize(("case", "request_", "field"), CASES, ids=[c[0] for c in CASES])
async def test_a_bad_field_is_named(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    case: str,
    request_: search_service_pb2.SearchRequest,
    field: str,
) -> None:
    """Each bad field comes back as INVALID_ARGUMENT naming it, with no traceback."""
    error = await _refusal(search_stub, request_)

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field in _violations(error), (case, _violations(error))
    assert "Traceback" not in (error.details() or "")


async def test_every_bad_field_is_named_at_once(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    """A request with several mistakes names all of them in one answer."""
    request = flight_request(origin="QQQ", depart="2020-01-01")
    request.flights.travelers.adults = 0
    request.options.display_currency = "euro"

    violations = _violations(await _refusal(search_stub, request))

    assert set(violations) >= {
        "flights.slices[0].origin",
        "flights.slices[0].departure_date",
        "flights.travelers.adults",
        "options.display_currency",
    }


async def test_a_search_without_a_query_is_refused(
    search_stub: search_service_pb2_grpc.SearchServiceAsyncStub,
) -> None:
    """An empty request names the missing query."""
    error = await _refusal(search_stub, search_service_pb2.SearchRequest())

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "query" in _violations(error)

"""Paging through a finished search's ranked offers with page tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from tests.searching import collect, flight_request, of_kind
from tests.server_fixtures import SandboxControl

if TYPE_CHECKING:
    Stub = search_service_pb2_grpc.SearchServiceAsyncStub


async def test_pages_hold_the_rest_of_a_limited_stream(
    search_stub: Stub, sandbox_control: SandboxControl
) -> None:
    """A stream limited to 5 offers ends with a token; pages then give every offer once."""
    request = flight_request("JFK", "CDG")
    request.options.max_results = 5
    arrivals = await collect(search_stub.Search(request, timeout=10))
    completed = arrivals[-1].event.completed
    streamed = {
        r.offer.offer_id for a in of_kind(arrivals, "offers") for r in a.event.offers.offers
    }
    assert completed.next_page_token

    seen: list[str] = []
    token = ""
    while True:
        page = await search_stub.GetSearchResults(
            search_service_pb2.GetSearchResultsRequest(
                search_id=completed.search_id, page_size=7, page_token=token
            ),
            timeout=5,
        )
        seen.extend(r.offer.offer_id for r in page.offers)
        token = page.next_page_token
        if not token:
            break

    assert len(seen) == len(set(seen)) == completed.total_offers
    assert streamed <= set(seen)


async def test_a_token_of_another_search_is_refused(search_stub: Stub) -> None:
    request = flight_request("JFK", "FCO")
    request.options.max_results = 3
    first = (await collect(search_stub.Search(request, timeout=10)))[-1].event.completed

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await search_stub.GetSearchResults(
            search_service_pb2.GetSearchResultsRequest(
                search_id="00000000-0000-0000-0000-000000000000",
                page_token=first.next_page_token,
            ),
            timeout=5,
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_unknown_search_is_not_found(search_stub: Stub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await search_stub.GetSearchResults(
            search_service_pb2.GetSearchResultsRequest(search_id="no-such-search"), timeout=5
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

"""``guidera results``: page through a finished search's ranked offers."""

from __future__ import annotations

from typing import Annotated

import typer
from google.protobuf import json_format
from guidera.v1 import search_service_pb2, search_service_pb2_grpc
from rich.console import Console

from guidera_grpc.cli.connect import (
    ApiKeyOpt,
    Connection,
    TargetOpt,
    TlsCaOpt,
    TlsCertOpt,
    TlsKeyOpt,
)
from guidera_grpc.cli.render import SearchView
from guidera_grpc.cli.search_cmd import JsonOpt, call_or_exit


def results(
    search_id: Annotated[str, typer.Argument(help="The search id its stream printed.")],
    page_token: Annotated[
        str, typer.Option(help="From the previous page, or the search's completed event.")
    ] = "",
    page_size: Annotated[int, typer.Option(help="Offers a page (the service allows 200).")] = 25,
    as_json: JsonOpt = False,
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Show a page of a finished search's offers, best first, and how to ask for the next."""
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    request = search_service_pb2.GetSearchResultsRequest(
        search_id=search_id, page_size=page_size, page_token=page_token
    )
    with connection.channel() as channel:
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        metadata = connection.metadata()
        page = call_or_exit(lambda: stub.GetSearchResults(request, timeout=10, metadata=metadata))
    if as_json:
        print(json_format.MessageToJson(page, indent=None, ensure_ascii=False))
        return
    view = SearchView()
    view.show_page(page.offers)
    first = page.offers[0].rank if page.offers else 0
    last = page.offers[-1].rank if page.offers else 0
    view.title = f"search {search_id}: offers {first}-{last} of {page.total_offers}"
    view.footer = (
        f"next page: guidera results {search_id} --page-token {page.next_page_token}"
        if page.next_page_token
        else "last page"
    )
    Console().print(view.render())

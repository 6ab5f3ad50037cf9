"""``guidera search ...``: send a search and show its stream as it arrives."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Annotated, Any

import grpc
import typer
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import common_pb2, search_service_pb2, search_service_pb2_grpc
from rich.console import Console
from rich.live import Live

from guidera_grpc.cli.render import SearchView

search_app = typer.Typer(help="Search through a running service.", no_args_is_help=True)

CABINS = {
    "economy": common_pb2.CABIN_ECONOMY,
    "premium_economy": common_pb2.CABIN_PREMIUM_ECONOMY,
    "business": common_pb2.CABIN_BUSINESS,
    "first": common_pb2.CABIN_FIRST,
}

TargetOpt = Annotated[
    str | None, typer.Option(help="HOST:PORT of the service (default GUIDERA_LISTEN).")
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print each event as one JSON object per line.")
]


@search_app.command("flights")
def flights(
    origin: Annotated[str, typer.Option("--from", help="IATA airport or city code.")],
    destination: Annotated[str, typer.Option("--to", help="IATA airport or city code.")],
    depart: Annotated[str, typer.Option(help="Departure date, YYYY-MM-DD.")],
    return_date: Annotated[
        str | None, typer.Option("--return", help="Return date, YYYY-MM-DD.")
    ] = None,
    adults: Annotated[int, typer.Option(help="Adults.")] = 1,
    children_ages: Annotated[
        str | None, typer.Option(help="Children's ages, comma-separated, e.g. 5,9.")
    ] = None,
    infants: Annotated[int, typer.Option(help="Infants on a lap.")] = 0,
    cabin: Annotated[str, typer.Option(help="economy, premium_economy, business or first.")] = (
        "economy"
    ),
    currency: Annotated[str, typer.Option(help="Display currency.")] = "EUR",
    provider: Annotated[
        list[str] | None, typer.Option("--provider", help="Only ask this provider.")
    ] = None,
    wait_for_all: Annotated[
        bool, typer.Option("--wait-for-all", help="Collect every answer first.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Most offers to stream.")] = 0,
    timeout: Annotated[float, typer.Option(help="Deadline in seconds.")] = 30.0,
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search flights and render the offers as they stream in."""
    slices = [
        search_service_pb2.SliceQuery(origin=origin, destination=destination, departure_date=depart)
    ]
    if return_date:
        slices.append(
            search_service_pb2.SliceQuery(
                origin=destination, destination=origin, departure_date=return_date
            )
        )
    if cabin.lower() not in CABINS:
        raise typer.BadParameter(f"cabin must be one of {', '.join(CABINS)}", param_hint="--cabin")
    query = search_service_pb2.FlightQuery(
        slices=slices,
        travelers=common_pb2.Travelers(
            adults=adults, child_ages=_ages(children_ages), infants=infants
        ),
        cabin=CABINS[cabin.lower()],
    )
    options = search_service_pb2.SearchOptions(
        wait_for_all=wait_for_all,
        display_currency=currency.upper(),
        max_results=limit,
        providers=provider or [],
    )
    request = search_service_pb2.SearchRequest(flights=query, options=options)
    run_search(request, target=target, timeout=timeout, as_json=as_json)


def _ages(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise typer.BadParameter(
            "use whole numbers, e.g. 5,9", param_hint="--children-ages"
        ) from error


def run_search(
    request: search_service_pb2.SearchRequest,
    *,
    target: str | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Send the request and print its events; exit 1 with the status on an error."""
    address = target or os.environ.get("GUIDERA_LISTEN", "127.0.0.1:50051")
    with grpc.insecure_channel(address) as channel:
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        call = stub.Search(request, timeout=timeout)
        try:
            if as_json:
                _print_json(call)
            else:
                _render_live(call)
        except grpc.RpcError as error:
            _report_error(error)
            raise typer.Exit(1) from error


def _print_json(events: Iterable[search_service_pb2.SearchResponse]) -> None:
    for event in events:
        line = json_format.MessageToJson(event, indent=None, ensure_ascii=False)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _render_live(events: Iterable[search_service_pb2.SearchResponse]) -> None:
    view = SearchView()
    with Live(view.render(), console=Console(), refresh_per_second=8) as live:
        for event in events:
            view.apply(event)
            live.update(view.render())


def _report_error(error: grpc.RpcError) -> None:
    console = Console(stderr=True)
    call = error if isinstance(error, grpc.Call) else None
    code = call.code().name if call else "ERROR"
    console.print(f"[bold red]{code}[/]: {call.details() if call else error}")
    status = rpc_status.from_call(call) if call else None
    details: list[Any] = list(status.details) if status else []
    for detail in details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            for violation in bad.field_violations:
                console.print(f"  [yellow]{violation.field}[/]: {violation.description}")

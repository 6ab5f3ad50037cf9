"""``guidera search ...``: send a search and show its stream as it arrives."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import grpc
import typer
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import common_pb2, search_service_pb2, search_service_pb2_grpc
from rich.console import Console
from rich.live import Live

from guidera_grpc.cli.connect import (
    ApiKeyOpt,
    Connection,
    TargetOpt,
    TlsCaOpt,
    TlsCertOpt,
    TlsKeyOpt,
)
from guidera_grpc.cli.render import SearchView
from guidera_grpc.validation.search import DEFAULT_MAX_RESULTS

T = TypeVar("T")

search_app = typer.Typer(help="Search through a running service.", no_args_is_help=True)

CABINS = {
    "economy": common_pb2.CABIN_ECONOMY,
    "premium_economy": common_pb2.CABIN_PREMIUM_ECONOMY,
    "business": common_pb2.CABIN_BUSINESS,
    "first": common_pb2.CABIN_FIRST,
}

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print each event as one JSON object per line.")
]


CurrencyOpt = Annotated[str, typer.Option(help="Display currency.")]
ProviderOpt = Annotated[
    list[str] | None, typer.Option("--provider", help="Only ask this provider (repeatable).")
]
WaitOpt = Annotated[bool, typer.Option("--wait-for-all", help="Collect every answer first.")]
LimitOpt = Annotated[int, typer.Option(help="Most offers to stream.")]
TimeoutOpt = Annotated[float, typer.Option(help="Deadline in seconds.")]
StrategyOpt = Annotated[
    str, typer.Option(help="quick_search, price_comparison, comprehensive, waterfall ...")
]
RefreshOpt = Annotated[bool, typer.Option("--refresh", help="Ask the suppliers, not the cache.")]
SortOpt = Annotated[str, typer.Option(help="best, price, duration, departure or rating.")]

SORTS = {
    "best": search_service_pb2.SORT_ORDER_BEST,
    "price": search_service_pb2.SORT_ORDER_PRICE,
    "duration": search_service_pb2.SORT_ORDER_DURATION,
    "departure": search_service_pb2.SORT_ORDER_DEPARTURE_TIME,
    "rating": search_service_pb2.SORT_ORDER_RATING,
}


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
    currency: CurrencyOpt = "EUR",
    provider: ProviderOpt = None,
    wait_for_all: WaitOpt = False,
    limit: LimitOpt = 0,
    strategy: StrategyOpt = "",
    refresh: RefreshOpt = False,
    sort: SortOpt = "best",
    timeout: TimeoutOpt = 30.0,
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
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
    options = _options(currency, provider, wait_for_all, limit, strategy, refresh, sort)
    request = search_service_pb2.SearchRequest(flights=query, options=options)
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    run_search(request, connection, timeout=timeout, as_json=as_json)


@search_app.command("hotels")
def hotels(
    city: Annotated[str, typer.Option(help="IATA city or airport code, e.g. PAR.")],
    checkin: Annotated[str, typer.Option(help="Check-in date, YYYY-MM-DD.")],
    checkout: Annotated[str, typer.Option(help="Check-out date, YYYY-MM-DD.")],
    rooms: Annotated[int, typer.Option(help="Rooms, each with the same guests.")] = 1,
    adults: Annotated[int, typer.Option(help="Adults per room.")] = 2,
    children_ages: Annotated[
        str | None, typer.Option(help="Children's ages per room, comma-separated, e.g. 5,9.")
    ] = None,
    currency: CurrencyOpt = "EUR",
    provider: ProviderOpt = None,
    wait_for_all: WaitOpt = False,
    limit: LimitOpt = 0,
    strategy: StrategyOpt = "",
    refresh: RefreshOpt = False,
    sort: SortOpt = "best",
    timeout: TimeoutOpt = 30.0,
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search hotels in a city and render the stays as they stream in."""
    room = search_service_pb2.RoomOccupancy(adults=adults, child_ages=_ages(children_ages))
    query = search_service_pb2.HotelQuery(
        city_code=city, check_in_date=checkin, check_out_date=checkout, rooms=[room] * rooms
    )
    options = _options(currency, provider, wait_for_all, limit, strategy, refresh, sort)
    request = search_service_pb2.SearchRequest(hotels=query, options=options)
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    run_search(request, connection, timeout=timeout, as_json=as_json)


@search_app.command("cars")
def cars(
    pickup: Annotated[str, typer.Option(help="IATA airport or city code of pick-up.")],
    pickup_at: Annotated[str, typer.Option(help="Local pick-up time, YYYY-MM-DDTHH:MM.")],
    dropoff_at: Annotated[str, typer.Option(help="Local drop-off time, YYYY-MM-DDTHH:MM.")],
    dropoff: Annotated[
        str | None, typer.Option(help="Drop-off code; the pick-up place when omitted.")
    ] = None,
    driver_age: Annotated[int, typer.Option(help="Age of the main driver.")] = 30,
    currency: CurrencyOpt = "EUR",
    provider: ProviderOpt = None,
    wait_for_all: WaitOpt = False,
    limit: LimitOpt = 0,
    strategy: StrategyOpt = "",
    refresh: RefreshOpt = False,
    sort: SortOpt = "best",
    timeout: TimeoutOpt = 30.0,
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search rental cars and render them as they stream in."""
    query = search_service_pb2.CarQuery(
        pick_up_location=pickup,
        drop_off_location=dropoff or "",
        pick_up_local_time=pickup_at,
        drop_off_local_time=dropoff_at,
        driver_age=driver_age,
    )
    options = _options(currency, provider, wait_for_all, limit, strategy, refresh, sort)
    request = search_service_pb2.SearchRequest(cars=query, options=options)
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    run_search(request, connection, timeout=timeout, as_json=as_json)


@search_app.command("experiences")
def experiences(
    city: Annotated[str, typer.Option(help="IATA city or airport code, e.g. ROM.")],
    from_date: Annotated[str, typer.Option(help="First date, YYYY-MM-DD.")],
    to_date: Annotated[str | None, typer.Option(help="Last date, YYYY-MM-DD.")] = None,
    query_text: Annotated[str, typer.Option("--query", help="Words to look for.")] = "",
    currency: CurrencyOpt = "EUR",
    provider: ProviderOpt = None,
    wait_for_all: WaitOpt = False,
    limit: LimitOpt = 0,
    strategy: StrategyOpt = "",
    refresh: RefreshOpt = False,
    sort: SortOpt = "best",
    timeout: TimeoutOpt = 30.0,
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search tours and activities and render them as they stream in."""
    query = search_service_pb2.ExperienceQuery(
        city_code=city, from_date=from_date, to_date=to_date or "", text=query_text
    )
    options = _options(currency, provider, wait_for_all, limit, strategy, refresh, sort)
    request = search_service_pb2.SearchRequest(experiences=query, options=options)
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    run_search(request, connection, timeout=timeout, as_json=as_json)


@search_app.command("package")
def package(
    origin: Annotated[str, typer.Option("--from", help="IATA airport or city code.")],
    destination: Annotated[str, typer.Option("--to", help="IATA airport or city code.")],
    depart: Annotated[str, typer.Option(help="Outbound date, YYYY-MM-DD.")],
    return_date: Annotated[str, typer.Option("--return", help="Return date, YYYY-MM-DD.")],
    rooms: Annotated[int, typer.Option(help="Rooms, sharing the travelers evenly.")] = 1,
    adults: Annotated[int, typer.Option(help="Adults.")] = 2,
    car: Annotated[bool, typer.Option("--car", help="Add a rental car for the stay.")] = False,
    currency: CurrencyOpt = "EUR",
    wait_for_all: WaitOpt = False,
    limit: LimitOpt = 0,
    refresh: RefreshOpt = False,
    timeout: TimeoutOpt = 30.0,
    target: TargetOpt = None,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search a trip: flights there and back, a stay, maybe a car, shown as bundles."""
    per_room = max(adults // max(rooms, 1), 1)
    query = search_service_pb2.PackageQuery(
        origin=origin,
        destination=destination,
        departure_date=depart,
        return_date=return_date,
        travelers=common_pb2.Travelers(adults=adults),
        rooms=[search_service_pb2.RoomOccupancy(adults=per_room)] * rooms,
        include_car=car,
    )
    options = _options(currency, None, wait_for_all, limit, "", refresh, "price")
    request = search_service_pb2.SearchRequest(package=query, options=options)
    connection = Connection(target, tls_ca, tls_cert, tls_key, api_key)
    run_search(request, connection, timeout=timeout, as_json=as_json)


def _options(
    currency: str,
    provider: list[str] | None,
    wait_for_all: bool,
    limit: int,
    strategy: str,
    refresh: bool,
    sort: str,
) -> search_service_pb2.SearchOptions:
    if sort.lower() not in SORTS:
        raise typer.BadParameter(f"sort must be one of {', '.join(SORTS)}", param_hint="--sort")
    return search_service_pb2.SearchOptions(
        wait_for_all=wait_for_all,
        display_currency=currency.upper(),
        max_results=limit,
        providers=provider or [],
        strategy=strategy,
        refresh=refresh,
        sort=SORTS[sort.lower()],
    )


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
    connection: Connection,
    *,
    timeout: float,
    as_json: bool,
) -> None:
    """Send the request and print its events; exit 1 with the status on an error."""
    with connection.channel() as channel:
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        call = stub.Search(request, timeout=timeout, metadata=connection.metadata())
        if as_json:
            call_or_exit(lambda: _print_json(call))
        else:
            limit = request.options.max_results or DEFAULT_MAX_RESULTS
            call_or_exit(lambda: _render_live(call, limit))


def _print_json(events: Iterable[search_service_pb2.SearchResponse]) -> None:
    for event in events:
        line = json_format.MessageToJson(event, indent=None, ensure_ascii=False)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _render_live(events: Iterable[search_service_pb2.SearchResponse], limit: int) -> None:
    view = SearchView(limit)
    console = Console()
    if not console.is_terminal:
        # A pipe or a file gets the finished view once, not every redraw of a live display.
        for event in events:
            view.apply(event)
        console.print(view.render())
        return
    with Live(view.render(), console=console, refresh_per_second=8) as live:
        for event in events:
            view.apply(event)
            live.update(view.render())


def call_or_exit(action: Callable[[], T]) -> T:
    """``action()``, or exit 1 after printing the refusal when the service refuses it."""
    try:
        return action()
    except grpc.RpcError as error:
        report_error(error)
        raise typer.Exit(1) from error


def report_error(error: grpc.RpcError) -> None:
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

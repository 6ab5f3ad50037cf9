"""``guidera admin ...``: operators' view and control of a running service from a terminal.

Every command prints a readable table, or the answer as JSON with ``--json``. Connection
options (TLS, API key) go before the command, ``--target`` and ``--json`` after it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, TypeVar

import grpc
import typer
from google.protobuf import json_format
from google.protobuf.message import Message
from guidera.v1 import admin_service_pb2 as pb
from guidera.v1 import admin_service_pb2_grpc, common_pb2
from rich.console import Console
from rich.table import Table

from guidera_grpc.cli.connect import ApiKeyOpt, Connection, TlsCaOpt, TlsCertOpt, TlsKeyOpt
from guidera_grpc.cli.render import format_money
from guidera_grpc.cli.search_cmd import report_error
from guidera_grpc.normalizers.money import to_money

admin_app = typer.Typer(help="Inspect and steer providers, routing, costs, alerts, circuits.")
credentials_app = typer.Typer(help="Set or rotate provider credentials.")
admin_app.add_typer(credentials_app, name="credentials")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]
TargetOpt = Annotated[
    str | None, typer.Option(help="HOST:PORT of the service (default GUIDERA_LISTEN).")
]
CategoryOpt = Annotated[
    str | None, typer.Option(help="flights, hotels, cars, experiences or packages.")
]
TIMEOUT_S = 15
CATEGORIES = {
    "flights": common_pb2.CATEGORY_FLIGHTS,
    "hotels": common_pb2.CATEGORY_HOTELS,
    "cars": common_pb2.CATEGORY_CARS,
    "experiences": common_pb2.CATEGORY_EXPERIENCES,
    "packages": common_pb2.CATEGORY_PACKAGES,
}
CATEGORY_NAMES = {number: name for name, number in CATEGORIES.items()}
Answer = TypeVar("Answer", bound=Message)


@admin_app.callback()
def connection_options(
    ctx: typer.Context,
    tls_ca: TlsCaOpt = None,
    tls_cert: TlsCertOpt = None,
    tls_key: TlsKeyOpt = None,
    api_key: ApiKeyOpt = None,
) -> None:
    """Connection options shared by every admin command."""
    ctx.obj = Connection(tls_ca=tls_ca, tls_cert=tls_cert, tls_key=tls_key, api_key=api_key)


def _call(
    ctx: typer.Context,
    target: str | None,
    send: Callable[[admin_service_pb2_grpc.AdminServiceStub, Any], Answer],
) -> Answer:
    """One RPC with the group's connection; a refusal is printed and exits 1."""
    base: Connection = ctx.obj if isinstance(ctx.obj, Connection) else Connection()
    connection = Connection(
        target or base.target, base.tls_ca, base.tls_cert, base.tls_key, base.api_key
    )
    with connection.channel() as channel:
        stub = admin_service_pb2_grpc.AdminServiceStub(channel)
        options = {"timeout": TIMEOUT_S, "metadata": connection.metadata()}
        try:
            return send(stub, options)
        except grpc.RpcError as error:
            report_error(error)
            raise typer.Exit(1) from error


def _print(answer: Message, as_json: bool, table: Callable[[], Table | str]) -> None:
    if as_json:
        print(json_format.MessageToJson(answer, indent=2, ensure_ascii=False))
        return
    Console().print(table())


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    return table


def _category(name: str | None) -> common_pb2.Category.ValueType:
    if name is None:
        return common_pb2.CATEGORY_UNSPECIFIED
    if name not in CATEGORIES:
        raise typer.BadParameter(f"use one of {', '.join(CATEGORIES)}", param_hint="--category")
    return CATEGORIES[name]


def _provider_rows(providers: Sequence[pb.Provider]) -> list[list[object]]:
    return [
        [
            p.code,
            "yes" if p.enabled else "[red]no[/]",
            p.status,
            f"{p.health_score:.0f}",
            p.priority,
            p.rate_limit_per_minute,
            format_money(p.cost_per_search),
            ", ".join(CATEGORY_NAMES.get(c, "?") for c in p.categories),
        ]
        for p in providers
    ]


PROVIDER_COLUMNS = ("code", "enabled", "status", "health", "priority", "per min", "search cost")


@admin_app.command("providers")
def providers_command(
    ctx: typer.Context,
    category: CategoryOpt = None,
    page_token: Annotated[str, typer.Option(help="From a previous page.")] = "",
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List providers, highest priority first."""
    request = pb.ListProvidersRequest(
        category=_category(category), page_size=100, page_token=page_token
    )
    answer = _call(ctx, target, lambda stub, o: stub.ListProviders(request, **o))
    _print(
        answer,
        as_json,
        lambda: _table(
            "providers", (*PROVIDER_COLUMNS, "categories"), _provider_rows(answer.providers)
        ),
    )


@admin_app.command("provider")
def provider_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Provider code, such as amadeus.")],
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one provider and the fingerprints of its credentials."""
    request = pb.GetProviderRequest(code=code)
    answer = _call(ctx, target, lambda stub, o: stub.GetProvider(request, **o))

    def show() -> Table:
        table = _table(code, (*PROVIDER_COLUMNS, "categories"), _provider_rows([answer.provider]))
        for item in answer.credentials:
            names = ", ".join(item.names) or "-"
            table.caption = (table.caption or "") + (
                f"{item.environment}: {names} (fingerprint {item.fingerprint}) "
            )
        return table

    _print(answer, as_json, show)


@admin_app.command("update-provider")
def update_provider_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Provider code.")],
    enable: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Let searches use it, or not.")
    ] = None,
    priority: Annotated[int | None, typer.Option(help="Routing priority, 0 to 100.")] = None,
    status: Annotated[str | None, typer.Option(help="active, degraded or disabled.")] = None,
    rate_limit: Annotated[int | None, typer.Option(help="Requests per minute.")] = None,
    cost_per_search: Annotated[str | None, typer.Option(help="EUR per search call.")] = None,
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a provider's settings; only the options given change."""
    provider = pb.Provider(
        code=code,
        enabled=bool(enable),
        priority=priority or 0,
        status=status or "",
        rate_limit_per_minute=rate_limit or 0,
    )
    if cost_per_search is not None:
        provider.cost_per_search.CopyFrom(_euros(cost_per_search, "--cost-per-search"))
    given = {
        "enabled": enable,
        "priority": priority,
        "status": status,
        "rate_limit_per_minute": rate_limit,
        "cost_per_search": cost_per_search,
    }
    fields = [name for name, value in given.items() if value is not None]
    request = pb.UpdateProviderRequest(provider=provider, update_fields=fields)
    answer = _call(ctx, target, lambda stub, o: stub.UpdateProvider(request, **o))
    _print(
        answer,
        as_json,
        lambda: _table("updated", PROVIDER_COLUMNS, _provider_rows([answer.provider])),
    )


def _euros(text: str, option: str) -> common_pb2.Money:
    try:
        return to_money(Decimal(text), "EUR")
    except (InvalidOperation, ValueError) as error:
        raise typer.BadParameter("an amount such as 0.012", param_hint=option) from error


@credentials_app.command("set")
def credentials_set_command(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="Provider code.")],
    environment: Annotated[str, typer.Argument(help="production, sandbox or test.")],
    name: Annotated[str, typer.Argument(help="Credential name, such as client_secret.")],
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set or rotate a credential; the value is asked for without echo, never shown."""
    value = typer.prompt("value", hide_input=True)
    request = pb.SetProviderCredentialRequest(
        provider=provider, environment=environment, name=name, value=value
    )
    answer = _call(ctx, target, lambda stub, o: stub.SetProviderCredential(request, **o))
    _print(answer, as_json, lambda: f"stored; fingerprint {answer.fingerprint}")


@admin_app.command("rules")
def rules_command(
    ctx: typer.Context,
    page_token: Annotated[str, typer.Option(help="From a previous page.")] = "",
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List routing rules, highest priority first."""
    request = pb.ListRoutingRulesRequest(page_size=200, page_token=page_token)
    answer = _call(ctx, target, lambda stub, o: stub.ListRoutingRules(request, **o))
    rows = [
        [r.rule_id, r.name, r.priority, "yes" if r.enabled else "no", r.provider, r.boost]
        for r in answer.rules
    ]
    columns = ("id", "name", "priority", "enabled", "provider", "boost")
    _print(answer, as_json, lambda: _table("routing rules", columns, rows))


@admin_app.command("add-rule")
def add_rule_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Rule name, lower_snake_case.")],
    provider: Annotated[str, typer.Option(help="Provider boosted.")],
    boost: Annotated[int, typer.Option(help="Points added, -100 to 100.")],
    priority: Annotated[int, typer.Option(help="Higher applies first, 0 to 1000.")] = 100,
    conditions: Annotated[
        str, typer.Option(help='JSON object, such as {"category": "flights"}.')
    ] = "{}",
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a routing rule."""
    rule = pb.RoutingRule(
        name=name,
        provider=provider,
        boost=boost,
        priority=priority,
        enabled=True,
        conditions_json=conditions,
    )
    request = pb.CreateRoutingRuleRequest(rule=rule)
    answer = _call(ctx, target, lambda stub, o: stub.CreateRoutingRule(request, **o))
    _print(answer, as_json, lambda: f"created rule {answer.rule.rule_id} ({answer.rule.name})")


@admin_app.command("delete-rule")
def delete_rule_command(
    ctx: typer.Context,
    rule_id: Annotated[str, typer.Argument(help="Rule id.")],
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a routing rule."""
    request = pb.DeleteRoutingRuleRequest(rule_id=rule_id)
    answer = _call(ctx, target, lambda stub, o: stub.DeleteRoutingRule(request, **o))
    _print(answer, as_json, lambda: f"deleted rule {rule_id}")


@admin_app.command("chains")
def chains_command(
    ctx: typer.Context,
    category: CategoryOpt = None,
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List fallback chains by category and region."""
    request = pb.ListFallbackChainsRequest(category=_category(category), page_size=500)
    answer = _call(ctx, target, lambda stub, o: stub.ListFallbackChains(request, **o))
    rows = [
        [CATEGORY_NAMES.get(c.category, "?"), c.region, " → ".join(c.providers)]
        for c in answer.chains
    ]
    _print(
        answer, as_json, lambda: _table("fallback chains", ("category", "region", "chain"), rows)
    )


@admin_app.command("health")
def health_command(ctx: typer.Context, target: TargetOpt = None, as_json: JsonOpt = False) -> None:
    """Every provider's health and circuit."""
    request = pb.GetHealthSummaryRequest()
    answer = _call(ctx, target, lambda stub, o: stub.GetHealthSummary(request, **o))
    rows = [
        [
            h.provider,
            "yes" if h.enabled else "no",
            h.status,
            f"{h.health_score:.0f}",
            f"{h.success_rate:.0%}",
            h.consecutive_failures,
            h.circuit_state,
            h.average_latency_ms,
        ]
        for h in answer.providers
    ]
    columns = ("provider", "enabled", "status", "score", "success", "fails", "circuit", "ms")
    _print(answer, as_json, lambda: _table("health", columns, rows))


@admin_app.command("costs")
def costs_command(
    ctx: typer.Context,
    period: Annotated[str, typer.Option(help="day or month.")] = "day",
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD; now when empty.")] = "",
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Spend per provider in a day or a month."""
    request = pb.GetCostSummaryRequest(period=period, period_start=start)
    answer = _call(ctx, target, lambda stub, o: stub.GetCostSummary(request, **o))
    rows = [[c.provider, c.searches, c.bookings, format_money(c.cost)] for c in answer.providers]
    rows.append(["[bold]total[/]", "", "", format_money(answer.total)])
    columns = ("provider", "searches", "bookings", "cost")
    _print(answer, as_json, lambda: _table(f"costs ({period})", columns, rows))


@admin_app.command("audit")
def audit_command(
    ctx: typer.Context,
    page_token: Annotated[str, typer.Option(help="From a previous page.")] = "",
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the changes operators made, newest first."""
    request = pb.ListAuditEntriesRequest(page_size=100, page_token=page_token)
    answer = _call(ctx, target, lambda stub, o: stub.ListAuditEntries(request, **o))
    rows = [
        [
            e.create_time.ToDatetime().strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            e.target,
            e.details_json,
        ]
        for e in answer.entries
    ]
    columns = ("when", "who", "action", "target", "details")
    _print(answer, as_json, lambda: _table("audit", columns, rows))


@admin_app.command("alerts")
def alerts_command(
    ctx: typer.Context,
    all_alerts: Annotated[bool, typer.Option("--all", help="Include acknowledged ones.")] = False,
    page_token: Annotated[str, typer.Option(help="From a previous page.")] = "",
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List alerts, newest first."""
    request = pb.ListAlertsRequest(
        include_acknowledged=all_alerts, page_size=100, page_token=page_token
    )
    answer = _call(ctx, target, lambda stub, o: stub.ListAlerts(request, **o))
    rows = [
        [
            a.alert_id,
            a.create_time.ToDatetime().strftime("%Y-%m-%d %H:%M"),
            a.severity,
            a.provider or "-",
            a.message,
            "yes" if a.HasField("acknowledge_time") else "",
        ]
        for a in answer.alerts
    ]
    columns = ("id", "raised", "severity", "provider", "message", "acked")
    _print(answer, as_json, lambda: _table("alerts", columns, rows))


@admin_app.command("ack")
def ack_command(
    ctx: typer.Context,
    alert_id: Annotated[str, typer.Argument(help="Alert id.")],
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Acknowledge an alert."""
    request = pb.AcknowledgeAlertRequest(alert_id=alert_id)
    answer = _call(ctx, target, lambda stub, o: stub.AcknowledgeAlert(request, **o))
    _print(answer, as_json, lambda: f"acknowledged alert {answer.alert.alert_id}")


@admin_app.command("circuits")
def circuits_command(
    ctx: typer.Context, target: TargetOpt = None, as_json: JsonOpt = False
) -> None:
    """Every provider's circuit breaker."""
    request = pb.ListCircuitsRequest()
    answer = _call(ctx, target, lambda stub, o: stub.ListCircuits(request, **o))
    rows = [[c.provider, c.circuit_state] for c in answer.circuits]
    _print(answer, as_json, lambda: _table("circuits", ("provider", "state"), rows))


@admin_app.command("reset-circuit")
def reset_circuit_command(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="Provider code.")],
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Close a provider's circuit."""
    request = pb.ResetCircuitRequest(provider=provider)
    answer = _call(ctx, target, lambda stub, o: stub.ResetCircuit(request, **o))
    _print(answer, as_json, lambda: f"{provider}: circuit {answer.circuit_state}")


@admin_app.command("open-circuit")
def open_circuit_command(
    ctx: typer.Context,
    provider: Annotated[str, typer.Argument(help="Provider code.")],
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Force a provider's circuit open: searches leave it out until reset or timeout."""
    request = pb.ForceOpenCircuitRequest(provider=provider)
    answer = _call(ctx, target, lambda stub, o: stub.ForceOpenCircuit(request, **o))
    _print(answer, as_json, lambda: f"{provider}: circuit {answer.circuit_state}")


@admin_app.command("purge-cache")
def purge_cache_command(
    ctx: typer.Context,
    category: CategoryOpt = None,
    search_id: Annotated[str, typer.Option(help="Only this search's result pages.")] = "",
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Drop cached search results: all, one category's, or one search's."""
    request = pb.PurgeCacheRequest(category=_category(category), search_id=search_id)
    answer = _call(ctx, target, lambda stub, o: stub.PurgeCache(request, **o))
    _print(answer, as_json, lambda: f"purged {answer.purged} entries")


@admin_app.command("fx")
def fx_command(ctx: typer.Context, target: TargetOpt = None, as_json: JsonOpt = False) -> None:
    """List exchange rates (units per euro)."""
    request = pb.ListFxRatesRequest()
    answer = _call(ctx, target, lambda stub, o: stub.ListFxRates(request, **o))
    rows = [
        [r.currency_code, f"{r.rate_per_eur:g}", r.update_time.ToDatetime().date()]
        for r in answer.rates
    ]
    _print(answer, as_json, lambda: _table("exchange rates", ("currency", "per EUR", "set"), rows))


@admin_app.command("set-fx")
def set_fx_command(
    ctx: typer.Context,
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, such as USD.")],
    rate: Annotated[float, typer.Argument(help="Units of the currency one euro buys.")],
    target: TargetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set an exchange rate; the next search converts with it."""
    request = pb.SetFxRateRequest(currency_code=currency, rate_per_eur=rate)
    answer = _call(ctx, target, lambda stub, o: stub.SetFxRate(request, **o))
    _print(answer, as_json, lambda: f"1 EUR = {answer.rate_per_eur:g} {answer.currency_code}")

"""What operators see of searches through a real server: Prometheus series on /metrics,
OpenTelemetry spans of the RPC and its upstream attempts, and JSON log lines that all carry
the request id (and the trace id)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import grpc
import orjson
import pytest
from guidera.v1 import search_service_pb2_grpc
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from guidera_grpc.config import Settings
from guidera_grpc.logs import JsonFormatter, RequestIdFilter
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from guidera_grpc.telemetry import Telemetry
from guidera_grpc.telemetry.endpoint import MetricsEndpoint
from tests.pg import PgCluster
from tests.searching import Arrival, collect, days_ahead, flight_request, of_kind
from tests.server_fixtures import SandboxControl, lift_rate_limits, server_settings

if TYPE_CHECKING:
    from guidera.v1.search_service_pb2_grpc import SearchServiceAsyncStub

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Observed:
    """A server of its own whose spans land in memory, and a client of it."""

    server: GuideraServer
    spans: InMemorySpanExporter
    stub: SearchServiceAsyncStub


@pytest.fixture(scope="module")
async def observed(pg_cluster: PgCluster, sandbox: RunningSandbox) -> AsyncIterator[Observed]:
    """One retry 50 ms later, a breaker that never opens, metrics on a free port."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    settings = server_settings(
        dsn,
        sandbox.url,
        retries=1,
        retry_base_s=0.05,
        retry_max_s=0.05,
        breaker_failures=1_000_000,
        metrics_listen="127.0.0.1:0",
    )
    server = GuideraServer(settings)
    exporter = InMemorySpanExporter()
    # The test-only hook: spans are exported one by one as they end.
    server.telemetry.tracing.export_to(exporter, batch=False)
    await server.start()
    try:
        await server.wait_ready()
        async with grpc.aio.insecure_channel(server.address) as channel:
            yield Observed(server, exporter, search_service_pb2_grpc.SearchServiceStub(channel))
    finally:
        await server.stop(grace_s=1)


async def _scrape(server: GuideraServer) -> Samples:
    assert server.metrics_port
    url = f"http://127.0.0.1:{server.metrics_port}/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _answered(arrivals: list[Arrival]) -> set[str]:
    return {a.event.provider_status.provider for a in of_kind(arrivals, "provider_status")}


async def test_metrics_show_the_providers_called_the_search_and_the_cache(
    observed: Observed,
) -> None:
    """After a flight search: per-provider calls, latency and circuit series for the providers
    called, the search's phases and result count under category flights; the same search
    again is a cache hit that calls nobody."""
    server = observed.server
    before = await _scrape(server)
    request = flight_request("BOS", "LHR", depart=days_ahead(75), refresh=False)
    arrivals = await collect(observed.stub.Search(request, timeout=10))
    assert arrivals[-1].kind == "completed"
    total = arrivals[-1].event.completed.total_offers
    called = _answered(arrivals)
    assert called

    after = await _scrape(server)
    for provider in called:
        search_labels = {"provider": provider, "category": "flights", "request_type": "search"}
        calls = "guidera_provider_calls_total"
        assert _value(after, calls, **search_labels, outcome="success") >= 1
        latency = "guidera_provider_latency_seconds_count"
        assert _value(after, latency, **search_labels) > _value(before, latency, **search_labels)
        assert ("guidera_provider_circuit_state", frozenset({("provider", provider)})) in after
        assert _value(after, "guidera_provider_circuit_state", provider=provider) == 0

    flights = {"category": "flights"}
    for series in (
        "guidera_search_first_offers_seconds_count",
        "guidera_search_duration_seconds_count",
        "guidera_search_results_count",
    ):
        assert _value(after, series, **flights) == _value(before, series, **flights) + 1
    results = "guidera_search_results_sum"
    assert _value(after, results, **flights) - _value(before, results, **flights) == total
    searches = "guidera_searches_total"
    assert _value(after, searches, **flights, status="completed") == (
        _value(before, searches, **flights, status="completed") + 1
    )
    misses, hits = "guidera_search_cache_misses_total", "guidera_search_cache_hits_total"
    assert _value(after, misses, **flights) == _value(before, misses, **flights) + 1
    assert _value(after, hits, **flights) == _value(before, hits, **flights)
    assert _value(after, "guidera_budget_limit_eur", period="day") == 50
    if "amadeus" in called:
        cost = "guidera_provider_cost_eur_total"
        spent = _value(after, cost, provider="amadeus", request_type="search")
        assert spent > _value(before, cost, provider="amadeus", request_type="search")

    again = await collect(observed.stub.Search(request, timeout=10))
    assert again[-1].kind == "completed"
    cached = await _scrape(server)
    assert _value(cached, hits, **flights) == _value(after, hits, **flights) + 1
    assert _value(cached, misses, **flights) == _value(after, misses, **flights)
    held = "guidera_cache_memory_bytes"
    assert _value(cached, held) > _value(before, held)
    assert _value(cached, searches, **flights, status="cached") == (
        _value(after, searches, **flights, status="cached") + 1
    )
    total_calls = sum(v for (name, _), v in after.items() if name == "guidera_provider_calls_total")
    assert total_calls == sum(
        v for (name, _), v in cached.items() if name == "guidera_provider_calls_total"
    )


async def _spans_of(exporter: InMemorySpanExporter, request_id: str) -> list[ReadableSpan]:
    """The finished spans of the trace whose RPC span carries ``request_id``."""
    for _ in range(50):
        spans = list(exporter.get_finished_spans())
        rpcs = [s for s in spans if _attribute(s, "guidera.request_id") == request_id]
        rpcs = [s for s in rpcs if s.kind == SpanKind.SERVER]
        if rpcs:
            trace_id = _trace_id(rpcs[0])
            return [s for s in spans if _trace_id(s) == trace_id]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no RPC span with request id {request_id}")


def _attribute(span: ReadableSpan, key: str) -> object:
    return (span.attributes or {}).get(key)


def _trace_id(span: ReadableSpan) -> int:
    assert span.context is not None
    trace_id: int = span.context.trace_id
    return trace_id


async def test_one_rpc_span_parents_every_upstream_attempt(
    observed: Observed, sandbox_control: SandboxControl
) -> None:
    """A search is one SERVER span with the request id and status OK; every upstream attempt
    is a CLIENT child in the same trace, a failing supplier's retry included."""
    await sandbox_control.set("kiwi", error_rate=1.0)
    request = flight_request("BOS", "LHR", providers=("amadeus", "kiwi"))
    request.request_id = "trace-check"
    arrivals = await collect(observed.stub.Search(request, timeout=10))
    assert arrivals[-1].kind == "completed"

    spans = await _spans_of(observed.spans, "trace-check")
    rpcs = [s for s in spans if s.kind == SpanKind.SERVER]
    assert len(rpcs) == 1
    rpc = rpcs[0]
    assert rpc.name == "guidera.v1.SearchService/Search"
    assert _attribute(rpc, "rpc.method") == "Search"
    assert _attribute(rpc, "rpc.grpc.status_code") == grpc.StatusCode.OK.value[0]
    assert rpc.context is not None

    upstream = [s for s in spans if s.kind == SpanKind.CLIENT]
    assert {_attribute(s, "guidera.provider") for s in upstream} == {"amadeus", "kiwi"}
    for span in upstream:
        assert span.parent is not None
        assert span.parent.span_id == rpc.context.span_id
        assert _attribute(span, "guidera.request_id") == "trace-check"
        assert _attribute(span, "guidera.category") == "flights"
    kiwi = sorted(
        (s for s in upstream if _attribute(s, "guidera.provider") == "kiwi"),
        key=lambda s: int(str(_attribute(s, "guidera.attempt"))),
    )
    assert [_attribute(s, "guidera.attempt") for s in kiwi] == [1, 2]
    assert {_attribute(s, "http.response.status_code") for s in kiwi} == {500}
    assert {s.status.status_code for s in kiwi} == {StatusCode.ERROR}

    samples = await _scrape(observed.server)
    assert _value(samples, "guidera_provider_errors_total", provider="kiwi", kind="UPSTREAM_ERROR")


async def test_a_refused_rpc_span_carries_its_status(observed: Observed) -> None:
    """A search with an unknown airport: the RPC span ends with INVALID_ARGUMENT."""
    request = flight_request("ZZZ", "LHR")
    request.request_id = "trace-invalid"
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await collect(observed.stub.Search(request, timeout=10))
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    spans = await _spans_of(observed.spans, "trace-invalid")
    assert [_attribute(s, "rpc.grpc.status_code") for s in spans] == [
        grpc.StatusCode.INVALID_ARGUMENT.value[0]
    ]


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every log line of the process at INFO and above, as the JSON format writes it."""
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


#: Modules whose lines during a search belong to it (the sandbox and the periodic jobs of
#: the operations layer log for no request).
REQUEST_PATH = (
    "guidera_grpc.api",
    "guidera_grpc.search",
    "guidera_grpc.resilience",
    "guidera_grpc.providers",
)


async def test_every_json_line_of_a_search_carries_its_request_and_trace_ids(
    observed: Observed, sandbox_control: SandboxControl, json_lines: io.StringIO
) -> None:
    """The executor's lines (on the fan-out task), the adapters' lines and the guard's retry
    line (on the upstream calls' tasks) carry the RPC's request id, trace id and a span id."""
    await sandbox_control.set("kiwi", error_rate=1.0)
    request = flight_request("BOS", "LHR", providers=("amadeus", "kiwi"))
    request.request_id = "json-log-check"
    arrivals = await collect(observed.stub.Search(request, timeout=10))
    assert arrivals[-1].kind == "completed"
    spans = await _spans_of(observed.spans, "json-log-check")
    rpc = next(s for s in spans if s.kind == SpanKind.SERVER)
    assert rpc.context is not None

    lines = [orjson.loads(line) for line in json_lines.getvalue().splitlines()]
    ours = [line for line in lines if str(line["logger"]).startswith(REQUEST_PATH)]
    events = [line["event"] for line in ours]
    assert events.count("provider finished") == 2
    assert "retrying upstream call" in events
    assert events.count("upstream call") >= 3
    for line in ours:
        assert line["request_id"] == "json-log-check", line
        assert line["trace_id"] == format(rpc.context.trace_id, "032x"), line
        assert len(str(line["span_id"])) == 16


async def test_the_metrics_port_is_free_or_refused_and_an_empty_address_turns_it_off() -> None:
    """Port 0 binds a free port; a taken port fails loudly; "" serves nothing."""
    first = MetricsEndpoint(CollectorRegistry(), "127.0.0.1:0")
    await first.start()
    try:
        assert first.port > 0
        taken = MetricsEndpoint(CollectorRegistry(), f"127.0.0.1:{first.port}")
        with pytest.raises(OSError, match="in use"):
            await taken.start()
    finally:
        await first.stop()
    off = Telemetry(Settings.model_validate({"GUIDERA_METRICS_LISTEN": ""}))
    await off.start()
    assert off.metrics_port is None
    await off.close()

"""OpenTelemetry traces: a span for each RPC and a child span for each upstream attempt.

Tracing is off (the no-op tracer: no span objects, no ids) until a span exporter is attached:
the OTLP/HTTP exporter when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or its traces-only variant) is
set, or one a test attaches with ``Tracing.export_to``. Each server has its own
TracerProvider, so servers in one process do not share exporters; the span context itself
travels in contextvars, which every asyncio task copies from the code that created it, so
upstream calls made on the fan-out's tasks are children of the RPC that started them.

Upstream spans are built from the CallRecord the guard reports after each attempt, with the
attempt's own start and end times: the call path gains no work, and refusals (an open circuit,
a rate limit) appear as instant spans.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

import grpc
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from guidera_grpc.resilience.seams import CallRecord

log = logging.getLogger(__name__)

#: Seconds the last spans may take to reach the collector at shutdown.
FLUSH_TIMEOUT_S = 2.0

DEFAULT_SERVICE_NAME: Final = "guidera-provider-manager"
#: Probes and tooling, called every few seconds: their spans would drown the searches.
UNTRACED_SERVICES: Final = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)
#: Statuses that mean the server failed (the others are the client's doing).
SERVER_FAULTS: Final = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
)
_CODES_BY_NUMBER: Final = {code.value[0]: code for code in grpc.StatusCode}
_NO_OP: Final = trace.NoOpTracer()


class Tracing:
    """The server's TracerProvider, and the tracer in force (no-op until one exports)."""

    def __init__(self, service_name: str | None = None) -> None:
        name = service_name or os.environ.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
        self.provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
        self.tracer: trace.Tracer = _NO_OP
        if _otlp_configured():
            # Imported only when used: it brings an HTTP client of its own.
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            self.export_to(OTLPSpanExporter())

    @property
    def enabled(self) -> bool:
        """Whether spans are recorded (an exporter is attached)."""
        return self.tracer is not _NO_OP

    def export_to(self, exporter: SpanExporter, *, batch: bool = True) -> None:
        """Send finished spans to ``exporter``: in batches from a thread of the SDK, or one
        by one as each ends (tests)."""
        processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
        self.provider.add_span_processor(processor)
        self.tracer = self.provider.get_tracer("guidera_grpc")

    def observe(self, record: CallRecord) -> None:
        """One upstream attempt as a child of the current span (CallObserver)."""
        tracer = self.tracer
        if tracer is _NO_OP:
            return
        start_ns = int(record.started_at.timestamp() * 1e9)
        attributes: dict[str, str | int | bool] = {
            "guidera.provider": record.provider,
            "guidera.category": record.category,
            "guidera.request_type": record.request_type,
            "guidera.outcome": record.status,
            "guidera.attempt": record.attempt,
            "guidera.sent": record.sent,
            "guidera.request_id": record.request_id,
        }
        if record.session_id:
            attributes["guidera.session_id"] = record.session_id
        if record.http_status is not None:
            attributes["http.response.status_code"] = record.http_status
        if record.error_code:
            attributes["error.type"] = record.error_code
        span = tracer.start_span(
            f"{record.provider} {record.request_type}",
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=start_ns,
        )
        if record.status not in ("success", "cancelled"):
            span.set_status(Status(StatusCode.ERROR, record.error_code or record.status))
        span.end(end_time=start_ns + int(record.duration_ms * 1e6))

    async def close(self, timeout_s: float = FLUSH_TIMEOUT_S) -> None:
        """Flush and stop the exporters within ``timeout_s``, on a daemon thread: an
        unreachable collector must not hold the process past its grace period."""
        done = asyncio.Event()
        loop = asyncio.get_running_loop()

        def shutdown() -> None:
            try:
                self.provider.force_flush(timeout_millis=int(timeout_s * 1000))
                self.provider.shutdown()
            finally:
                loop.call_soon_threadsafe(done.set)

        threading.Thread(target=shutdown, name="trace-shutdown", daemon=True).start()
        try:
            await asyncio.wait_for(done.wait(), timeout_s)
        except TimeoutError:
            log.warning("traces not flushed: the collector did not answer in time")


def _otlp_configured() -> bool:
    return any(
        os.environ.get(name)
        for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


if TYPE_CHECKING:
    Continuation = Callable[
        [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
    ]
    Context = grpc.aio.ServicerContext[Any, Any]


class RpcTracing(grpc.aio.ServerInterceptor):
    """Wraps each RPC's handler in a SERVER span named ``package.Service/Method``.

    The span is current while the handler runs, so the servicer can tag it (the request id)
    and every task the handler starts inherits it. It ends with the RPC's status code.
    """

    def __init__(self, tracing: Tracing) -> None:
        self._tracing = tracing

    async def intercept_service(
        self, continuation: Continuation, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        service = method.lstrip("/").rpartition("/")[0]
        if handler is None or not self._tracing.enabled or service in UNTRACED_SERVICES:
            return handler
        replace: Any = getattr(handler, "_replace", None)
        if replace is None:
            return handler
        changes: dict[str, Any] = {}
        for kind in ("unary_unary", "stream_unary", "unary_stream", "stream_stream"):
            behaviour = getattr(handler, kind, None)
            if behaviour is not None:
                changes[kind] = self._wrap(method, behaviour)
        result: grpc.RpcMethodHandler[Any, Any] = replace(**changes)
        return result

    def _wrap(self, method: str, behaviour: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isasyncgenfunction(behaviour):
            return self._wrap_stream(method, behaviour)
        if inspect.iscoroutinefunction(behaviour):
            return self._wrap_call(method, behaviour)
        return behaviour

    def _wrap_call(
        self, method: str, behaviour: Callable[[Any, Context], Awaitable[Any]]
    ) -> Callable[[Any, Context], Awaitable[Any]]:
        async def traced(request: Any, context: Context) -> Any:
            async with self._span(method, context):
                return await behaviour(request, context)

        return traced

    def _wrap_stream(
        self, method: str, behaviour: Callable[[Any, Context], AsyncIterator[Any]]
    ) -> Callable[[Any, Context], AsyncIterator[Any]]:
        async def traced(request: Any, context: Context) -> AsyncIterator[Any]:
            async with self._span(method, context):
                responses = behaviour(request, context)
                # Closed here, in this task's context, never later by the garbage collector.
                async with contextlib.aclosing(responses):  # type: ignore[type-var]
                    async for response in responses:
                        yield response

        return traced

    @contextlib.asynccontextmanager
    async def _span(self, method: str, context: Context) -> AsyncIterator[None]:
        name = method.lstrip("/")
        service, _, short = name.rpartition("/")
        carrier = {
            key: value
            for key, value in context.invocation_metadata() or ()
            if isinstance(value, str)
        }
        span = self._tracing.tracer.start_span(
            name,
            context=propagate.extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": short},
        )
        code = grpc.StatusCode.OK
        try:
            with trace.use_span(span, record_exception=False, set_status_on_exception=False):
                yield
            code = _status_of(context, grpc.StatusCode.OK)
        except (asyncio.CancelledError, GeneratorExit):
            code = grpc.StatusCode.CANCELLED
            raise
        except grpc.aio.AbortError:
            code = _status_of(context, grpc.StatusCode.UNKNOWN)
            raise
        except Exception as error:
            code = grpc.StatusCode.UNKNOWN
            span.record_exception(error)
            raise
        finally:
            span.set_attribute("rpc.grpc.status_code", code.value[0])
            if code in SERVER_FAULTS:
                span.set_status(Status(StatusCode.ERROR, code.name))
            span.end()


def _status_of(context: Context, default: grpc.StatusCode) -> grpc.StatusCode:
    """The status the handler set on ``context``, else ``default``."""
    try:
        code: object = context.code()
    except NotImplementedError:
        return default
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(code, int):
        return _CODES_BY_NUMBER.get(code, default)
    return default

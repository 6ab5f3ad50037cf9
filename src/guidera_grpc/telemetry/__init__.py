"""Metrics and traces of one server: what the runtime feeds, and what the server serves.

``Telemetry`` bundles the Prometheus series (``Metrics``), their HTTP endpoint and the
OpenTelemetry tracing. The runtime hands it the operations layer and the guard once they
exist; the guard and the booking desk then report every upstream attempt to
``observing(operations)``, which passes each record to operations first, then to the metrics
and the tracing: memory only, nothing that waits.
"""

from __future__ import annotations

import logging

from guidera_grpc.config import Settings
from guidera_grpc.operations import Operations
from guidera_grpc.resilience.guard import ProviderGuard
from guidera_grpc.resilience.seams import CallObserver, CallRecord
from guidera_grpc.telemetry.endpoint import MetricsEndpoint
from guidera_grpc.telemetry.metrics import Metrics
from guidera_grpc.telemetry.tracing import RpcTracing, Tracing

__all__ = ["Metrics", "RpcTracing", "Telemetry", "Tracing"]

log = logging.getLogger(__name__)


class Telemetry:
    """One server's metrics registry, /metrics endpoint and tracer provider."""

    def __init__(self, settings: Settings) -> None:
        self.metrics = Metrics()
        self.tracing = Tracing()
        listen = settings.metrics_listen.strip()
        self._endpoint = MetricsEndpoint(self.metrics.registry, listen) if listen else None

    @property
    def metrics_port(self) -> int | None:
        """The port /metrics is served on once started (None when metrics are off)."""
        return self._endpoint.port if self._endpoint is not None else None

    async def start(self) -> None:
        """Serve /metrics (when configured); OSError when its port is taken."""
        if self._endpoint is None:
            return
        await self._endpoint.start()
        log.info("metrics listening", extra={"fields": {"address": self._endpoint.address}})

    async def close(self) -> None:
        """Stop serving /metrics and flush the spans still buffered."""
        if self._endpoint is not None:
            await self._endpoint.stop()
        await self.tracing.close()

    def observing(self, operations: Operations) -> CallObserver:
        """The observer of upstream calls: ``operations``, then the metrics and the traces.

        The metrics price calls with the registry the spend uses and publish its budget.
        """
        self.metrics.price_with(operations.registry)
        self.metrics.watch_budget(operations.budget.state)
        return _Observers(operations, self.metrics, self.tracing)

    def watch(self, guard: ProviderGuard) -> None:
        """Publish the guard's circuits."""
        self.metrics.watch_circuits(guard.circuit_states)


class _Observers:
    """Passes each record to every observer in turn; one failing does not stop the others."""

    def __init__(self, *observers: CallObserver) -> None:
        self._observers = observers

    def observe(self, record: CallRecord) -> None:
        for observer in self._observers:
            try:
                observer.observe(record)
            except Exception:
                log.exception(
                    "a call observer failed", extra={"fields": {"provider": record.provider}}
                )

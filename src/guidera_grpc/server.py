"""The gRPC server: services, standard health, reflection, start-up order and graceful stop.

It listens first and reports NOT_SERVING until the store is migrated and the adapters are
built, so orchestrators can probe it from the first second without routing traffic to it.
On stop it turns NOT_SERVING, refuses new calls and lets running streams finish within the
grace period before the store and HTTP client close.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from guidera.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    booking_service_pb2,
    booking_service_pb2_grpc,
    offer_service_pb2,
    offer_service_pb2_grpc,
    search_service_pb2,
    search_service_pb2_grpc,
)

from guidera_grpc.api.admin_servicer import AdminServicer
from guidera_grpc.api.auth import Authentication
from guidera_grpc.api.booking_servicer import BookingServicer, OfferServicer
from guidera_grpc.api.decoding import SafeDecoding
from guidera_grpc.api.search_servicer import SearchServicer
from guidera_grpc.config import Settings
from guidera_grpc.runtime import Runtime
from guidera_grpc.security.keys import KeyRing
from guidera_grpc.security.tls import server_credentials
from guidera_grpc.telemetry import RpcTracing, Telemetry

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024

SERVICE_NAMES = (
    search_service_pb2.DESCRIPTOR.services_by_name["SearchService"].full_name,
    offer_service_pb2.DESCRIPTOR.services_by_name["OfferService"].full_name,
    booking_service_pb2.DESCRIPTOR.services_by_name["BookingService"].full_name,
    admin_service_pb2.DESCRIPTOR.services_by_name["AdminService"].full_name,
)


class GuideraServer:
    """One server process's gRPC side: ``start``, ``wait_ready``, ``stop``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.telemetry = Telemetry(settings)
        self.runtime = Runtime(settings, self.telemetry)
        self.health = health.aio.HealthServicer()
        self.port = 0
        self._server = grpc.aio.server(
            interceptors=self._interceptors(),
            maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
            # Every request of the contracts fits in a few kilobytes.
            options=[
                ("grpc.max_receive_message_length", MAX_REQUEST_BYTES),
                # A second server on a port in use must fail, not split the traffic.
                ("grpc.so_reuseport", 0),
                # HTTP/2 pins a client to one replica: recycled connections rebalance.
                ("grpc.max_connection_age_ms", round(settings.max_connection_age_s * 1000)),
                (
                    "grpc.max_connection_age_grace_ms",
                    round(settings.max_connection_age_grace_s * 1000),
                ),
            ],
        )
        self._startup: asyncio.Task[None] | None = None
        self._add_services()

    def _interceptors(self) -> list[grpc.aio.ServerInterceptor]:
        """Tracing around everything (refusals included), then authentication (unless the
        server runs open), then tolerant decoding."""
        tracing = RpcTracing(self.telemetry.tracing)
        if self.settings.auth_mode == "open":
            return [tracing, SafeDecoding()]
        runtime = self.runtime
        keys = KeyRing(lambda: runtime.store.pool)
        return [tracing, Authentication(keys, ready=lambda: runtime.ready), SafeDecoding()]

    def _add_services(self) -> None:
        search_service_pb2_grpc.add_SearchServiceServicer_to_server(
            SearchServicer(self.runtime), self._server
        )
        offer_service_pb2_grpc.add_OfferServiceServicer_to_server(
            OfferServicer(self.runtime), self._server
        )
        booking_service_pb2_grpc.add_BookingServiceServicer_to_server(
            BookingServicer(self.runtime), self._server
        )
        admin_service_pb2_grpc.add_AdminServiceServicer_to_server(
            AdminServicer(self.runtime), self._server
        )
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), self._server
        )

    async def start(self) -> None:
        """Listen now; open the runtime in the background and turn SERVING when it is ready."""
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        credentials = server_credentials(self.settings)
        try:
            if credentials is None:
                self.port = self._server.add_insecure_port(self.settings.listen)
            else:
                self.port = self._server.add_secure_port(self.settings.listen, credentials)
        except RuntimeError:
            # grpcio reports a taken or unresolvable address as RuntimeError.
            self.port = 0
        if self.port == 0:
            tls = " or the TLS certificate and key are unusable" if credentials else ""
            raise OSError(f"cannot listen on {self.settings.listen}: in use or not local{tls}")
        await self.telemetry.start()
        await self._server.start()
        if self.settings.auth_mode == "open":
            log.warning(
                "authentication is OFF: anyone who reaches %s may search, book and administer;"
                " set GUIDERA_AUTH=keys outside development",
                self.address,
            )
        tls = "mutual" if self.settings.tls_client_ca_file else "on" if credentials else "off"
        log.info("listening", extra={"fields": {"address": self.address, "tls": tls}})
        self._startup = asyncio.create_task(self._open_runtime())

    @property
    def address(self) -> str:
        """host:port actually bound (the port is chosen by the system for port 0)."""
        host = self.settings.listen.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    @property
    def metrics_port(self) -> int | None:
        """The port of /metrics once started (chosen by the system for port 0); None if off."""
        return self.telemetry.metrics_port

    async def wait_ready(self) -> None:
        """Wait until the runtime opened; re-raise its failure if it did not."""
        if self._startup is not None:
            await self._startup

    async def _open_runtime(self) -> None:
        await self.runtime.start()
        await self._set_health(health_pb2.HealthCheckResponse.SERVING)
        log.info("serving", extra={"fields": {"address": self.address}})

    async def stop(self, grace_s: float | None = None, *, drain_s: float = 0.0) -> None:
        """Turn NOT_SERVING, keep taking calls for ``drain_s`` while balancers notice, then
        refuse new ones, finish running calls within the grace period, close the runtime
        (which flushes the call log)."""
        grace = self.settings.shutdown_grace_s if grace_s is None else grace_s
        await self.health.enter_graceful_shutdown()
        if self._startup is not None and not self._startup.done():
            self._startup.cancel()
        if drain_s > 0:
            log.info("draining", extra={"fields": {"drain_s": drain_s}})
            await asyncio.sleep(drain_s)
        await self._server.stop(grace)
        await self.runtime.close()
        await self.telemetry.close()
        log.info("stopped")

    async def wait_for_termination(self) -> None:
        """Until the server stops."""
        await self._server.wait_for_termination()

    async def _set_health(self, status: int) -> None:
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, status)


async def run_until_signalled(server: GuideraServer) -> None:
    """Start, serve until SIGTERM or SIGINT, then stop gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await server.start()
    startup = asyncio.create_task(server.wait_ready())
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({startup, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if startup in done and startup.exception() is not None:
        stopped.cancel()
        await server.stop(0)
        raise startup.exception()  # type: ignore[misc]
    await stopped
    settings = server.settings
    log.info(
        "stopping",
        extra={"fields": {"grace_s": settings.shutdown_grace_s, "drain_s": settings.drain_delay_s}},
    )
    await server.stop(drain_s=settings.drain_delay_s)

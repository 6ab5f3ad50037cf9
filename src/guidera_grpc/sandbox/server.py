"""Starting and stopping a sandbox on a real socket, for the CLI, tests and benchmarks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType

from aiohttp import web

from guidera_grpc.reference.airports import preload
from guidera_grpc.sandbox.app import build_app
from guidera_grpc.sandbox.knobs import KnobBoard, Knobs
from guidera_grpc.sandbox.state import SANDBOX, SandboxState
from guidera_grpc.sandbox.stats import Stats

SHUTDOWN_TIMEOUT_S = 2.0

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunningSandbox:
    """A sandbox serving on ``url`` until ``stop()``; also an async context manager."""

    url: str
    host: str
    port: int
    _runner: web.AppRunner
    _state: SandboxState

    @property
    def knobs(self) -> KnobBoard:
        """The live knobs: read them, ``update(supplier, {...})``, or ``reset()``."""
        return self._state.knobs

    @property
    def stats(self) -> Stats:
        """The live counters and request log."""
        return self._state.stats

    def base_url(self, supplier: str) -> str:
        """The base URL an adapter of ``supplier`` points at, e.g. ``.../amadeus``."""
        return f"{self.url}/{supplier}"

    async def stop(self) -> None:
        """Release hanging requests, close connections and the listening socket."""
        self._state.closing.set()
        await self._runner.cleanup()
        log.info("sandbox stopped", extra={"fields": {"url": self.url}})

    async def __aenter__(self) -> RunningSandbox:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


async def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, knobs: Knobs | None = None
) -> RunningSandbox:
    """Serve every emulator on ``host:port`` (0 picks a free port) and return the handle."""
    preload()
    app = build_app(knobs)
    runner = web.AppRunner(
        app,
        handler_cancellation=True,
        shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        access_log=None,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = _bound_port(runner, port)
    url = f"http://{_url_host(host)}:{bound_port}"
    log.info("sandbox listening", extra={"fields": {"url": url}})
    return RunningSandbox(url, host, bound_port, runner, app[SANDBOX])


def _bound_port(runner: web.AppRunner, requested: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return requested


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

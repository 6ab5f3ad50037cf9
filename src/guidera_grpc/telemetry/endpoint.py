"""``GET /metrics`` for Prometheus, served by aiohttp on the service's own event loop.

prometheus_client's own server runs in a thread; a scrape there would read the guard's circuits
and the budget's spend while the loop changes them. On the loop the custom collectors see a
consistent state, a scrape costs a few milliseconds of loop time, and stopping is an await.
"""

from __future__ import annotations

import socket

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` (IPv6 hosts in brackets) as a host and a port; ValueError otherwise."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected host:port, got {address!r}")
    return host.strip("[]"), int(port)


class MetricsEndpoint:
    """An HTTP listener with one route, ``/metrics``, rendering ``registry``."""

    def __init__(self, registry: CollectorRegistry, address: str) -> None:
        self._registry = registry
        self._address = address
        self._runner: web.AppRunner | None = None
        self.host, self.port = split_address(address)

    async def start(self) -> None:
        """Bind (OSError when the port is taken) and serve; ``port`` is then the bound one."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family)
        app = web.Application()
        app.router.add_get("/metrics", self._render)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = sock.getsockname()[1]

    @property
    def address(self) -> str:
        """host:port actually bound."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    async def _render(self, request: web.Request) -> web.Response:
        return web.Response(
            body=generate_latest(self._registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def stop(self) -> None:
        """Stop listening and close open scrapes."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

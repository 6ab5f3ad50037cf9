"""Long-running commands: the service (optionally with its sandbox) and the sandbox alone."""

from __future__ import annotations

import asyncio
import logging
import signal

from guidera_grpc.config import Settings
from guidera_grpc.sandbox import Knobs, start_sandbox
from guidera_grpc.server import GuideraServer, run_until_signalled

log = logging.getLogger(__name__)


async def serve_forever(settings: Settings, *, sandbox_knobs: Knobs | None) -> None:
    """Serve until signalled; with knobs, start the sandbox first and point adapters at it."""
    sandbox = None
    if sandbox_knobs is not None:
        sandbox = await start_sandbox(port=0, knobs=sandbox_knobs)
        settings = settings.with_sandbox(sandbox.url)
        log.info("sandbox started", extra={"fields": {"url": sandbox.url}})
    elif settings.sandbox_url:
        settings = settings.with_sandbox(settings.sandbox_url)
        log.info("using the sandbox", extra={"fields": {"url": settings.sandbox_url}})
    try:
        await run_until_signalled(GuideraServer(settings))
    finally:
        if sandbox is not None:
            await sandbox.stop()


async def sandbox_forever(host: str, port: int, knobs: Knobs) -> None:
    """Serve the sandbox until SIGTERM or SIGINT."""
    sandbox = await start_sandbox(host=host, port=port, knobs=knobs)
    log.info("sandbox listening", extra={"fields": {"url": sandbox.url}})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await sandbox.stop()

"""What a benchmark runs against: a PostgreSQL, the sandbox and a server, each its own process.

The sandbox and the server are pinned to different cores when the machine has two or more,
so that the emulated suppliers do not take CPU from the service being measured; the load
generator shares the sandbox's core.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import math
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.workload import FLIGHT_LATENCY_MS, HOTEL_LATENCY_MS, OFFERS_PER_SUPPLIER
from guidera_grpc.store.embedded import start_embedded
from guidera_grpc.store.migrate import migrate

GUIDERA = str(Path(sys.executable).parent / "guidera")
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
SERVER_CORE = 0
SANDBOX_CORE = 1


#: The cores this process may use before it pins itself (its children are pinned from these).
CORES = frozenset(os.sched_getaffinity(0))


def pinning() -> bool:
    """Whether the machine has the two cores pinning needs."""
    return {SERVER_CORE, SANDBOX_CORE} <= CORES


def pin_self(core: int) -> None:
    """Pin this process to ``core`` when pinning is possible."""
    if pinning():
        os.sched_setaffinity(0, {core})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Stack:
    """The running parts: addresses, process ids, the database URL."""

    database_url: str
    sandbox_url: str
    server_address: str
    server: asyncio.subprocess.Process
    sandbox: asyncio.subprocess.Process
    database_kind: str
    metrics_url: str

    async def cache_mib(self) -> float:
        """What the server's cache holds in its memory, in MiB, from its metrics endpoint."""
        async with aiohttp.ClientSession() as http, http.get(self.metrics_url) as reply:
            reply.raise_for_status()
            text = await reply.text()
        for line in text.splitlines():
            if line.startswith("guidera_cache_memory_bytes "):
                return float(line.split()[1]) / 2**20
        return math.nan

    async def set_knobs(self, supplier: str, **knobs: Any) -> None:
        """Change one supplier's sandbox knobs."""
        async with (
            aiohttp.ClientSession() as http,
            http.put(f"{self.sandbox_url}/_sandbox/knobs/{supplier}", json=knobs) as reply,
        ):
            reply.raise_for_status()


@contextlib.asynccontextmanager
async def database() -> AsyncIterator[tuple[str, str]]:
    """A fresh database: on ``GUIDERA_BENCH_DATABASE_URL``'s server, else on the local
    server when one answers, else on an embedded one. Yields (URL, kind)."""
    admin = os.environ.get("GUIDERA_BENCH_DATABASE_URL") or LOCAL_POSTGRES
    try:
        conn = await asyncpg.connect(admin, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        folder = Path(tempfile.mkdtemp(prefix="guidera-bench-pg-", dir="/tmp"))
        embedded = await start_embedded(folder / "postgres")
        try:
            yield embedded.uri, "embedded PostgreSQL"
        finally:
            await embedded.stop()
            shutil.rmtree(folder, ignore_errors=True)
        return
    name = f"guidera_bench_{secrets.token_hex(4)}"
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    parts = urlsplit(admin)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}")), "PostgreSQL server"
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def _prepare(database_url: str) -> None:
    """Migrate, and lift the suppliers' rate limits: the benchmark measures us, not them."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await migrate(pool)
        # A sandbox saturated by 200 streams answers in seconds; with the usual yardstick
        # latencies those answers would time out, open circuits and disable the suppliers
        # (rightly, for a real supplier): here they must stay in, to be measured.
        await pool.execute(
            "UPDATE api_providers SET rate_limit_per_minute = 10000000, rate_limit_per_day = NULL,"
            " expected_latency_ms = 5000"
        )
    finally:
        await pool.close()


def _pinned(core: int) -> Any:
    """Runs in the child before it starts: pin it, and have it stopped if the benchmark dies
    (PR_SET_PDEATHSIG), so an interrupted run leaves no server or sandbox behind."""

    def pin() -> None:
        if pinning():
            os.sched_setaffinity(0, {core})
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return pin


_PR_SET_PDEATHSIG = 1


@contextlib.asynccontextmanager
async def running_stack(log_dir: Path, **server_env: str) -> AsyncIterator[Stack]:
    """Database, sandbox and server, started and ready; stopped on exit."""
    async with database() as (database_url, kind):
        await _prepare(database_url)
        sandbox_port = _free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        quiet = {**os.environ, "GUIDERA_LOG_LEVEL": "WARNING"}
        sandbox = await asyncio.create_subprocess_exec(
            GUIDERA,
            "sandbox",
            "--listen",
            f"127.0.0.1:{sandbox_port}",
            env=quiet,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=(log_dir / "sandbox.log").open("ab"),
            preexec_fn=_pinned(SANDBOX_CORE),
        )
        address = f"127.0.0.1:{_free_port()}"
        metrics_address = f"127.0.0.1:{_free_port()}"
        env = {
            **os.environ,
            "GUIDERA_DATABASE_URL": database_url,
            "GUIDERA_LISTEN": address,
            "GUIDERA_METRICS_LISTEN": metrics_address,
            "GUIDERA_SANDBOX_URL": sandbox_url,
            "GUIDERA_AUTH": "open",
            "GUIDERA_RETRIES": "0",
            "GUIDERA_BREAKER_FAILURES": "1000000",
            "DEFAULT_SEARCH_TIMEOUT_MS": "28000",
            "GUIDERA_LOG_FORMAT": "json",
            "GUIDERA_DAILY_BUDGET": "100000000",
            "GUIDERA_MONTHLY_BUDGET": "100000000",
            **server_env,
        }
        # The server keeps its state in memory unless a benchmark of the shared state is asked for.
        env.pop("GUIDERA_REDIS_URL", None)
        if os.environ.get("GUIDERA_BENCH_REDIS_URL"):
            env["GUIDERA_REDIS_URL"] = os.environ["GUIDERA_BENCH_REDIS_URL"]
        server = await asyncio.create_subprocess_exec(
            GUIDERA,
            "serve",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=(log_dir / "server.log").open("ab"),
            preexec_fn=_pinned(SERVER_CORE),
        )
        stack = Stack(
            database_url,
            sandbox_url,
            address,
            server,
            sandbox,
            kind,
            metrics_url=f"http://{metrics_address}/metrics",
        )
        try:
            await _serving(address, server)
            await _sandbox_ready(stack)
            yield stack
        finally:
            for process in (server, sandbox):
                if process.returncode is None:
                    process.terminate()
            for process in (server, sandbox):
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()


async def _serving(address: str, process: asyncio.subprocess.Process) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        stub: Any = health_pb2_grpc.HealthStub(channel)
        for _ in range(600):
            if process.returncode is not None:
                raise RuntimeError("the server exited during start-up (see server.log)")
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=0.5)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server never served")


async def _sandbox_ready(stack: Stack) -> None:
    """Fixed latencies and 50 offers per answer, for every supplier the scenarios ask, once
    the sandbox listens: the server can be serving before the sandbox has bound its port."""
    for _ in range(300):
        if stack.sandbox.returncode is not None:
            raise RuntimeError("the sandbox exited during start-up (see sandbox.log)")
        try:
            await stack.set_knobs("duffel", latency=f"{FLIGHT_LATENCY_MS['duffel']}ms")
            break
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    else:
        raise RuntimeError("the sandbox never listened (see sandbox.log)")
    for supplier, latency in {**FLIGHT_LATENCY_MS, **HOTEL_LATENCY_MS}.items():
        await stack.set_knobs(supplier, latency=f"{latency}ms", offers=OFFERS_PER_SUPPLIER)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid``, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

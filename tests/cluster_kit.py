"""Several `guidera serve` processes on loopback sharing one PostgreSQL and one Redis.

Each replica is a real server process started from the installed command, pointed at the
test session's sandbox, writing its JSON log to a file the test can read.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.cli_runner import GUIDERA


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_serving(address: str, process: asyncio.subprocess.Process) -> None:
    """Until the health service says SERVING: the store is migrated and the adapters built."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub: Any = health_pb2_grpc.HealthStub(channel)
        for _ in range(300):
            assert process.returncode is None, f"the server on {address} exited at start-up"
            try:
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=0.5)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.aio.AioRpcError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the server on {address} never served")


@dataclass
class Replica:
    """One server process, its address, its log file and a channel to it."""

    name: str
    address: str
    log_path: Path
    process: asyncio.subprocess.Process
    channel: grpc.aio.Channel = field(init=False)

    def __post_init__(self) -> None:
        self.channel = grpc.aio.insecure_channel(self.address)

    def log_lines(self) -> list[str]:
        """What the replica logged so far."""
        return self.log_path.read_text().splitlines()

    async def signal(self, signum: signal.Signals) -> int:
        """Send ``signum`` and wait for the process to end; its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signum)
        return await asyncio.wait_for(self.process.wait(), 60)


@dataclass
class Cluster:
    """Replicas of one deployment: the same database, Redis namespace and sandbox."""

    replicas: list[Replica]
    namespace: str

    async def stop(self) -> None:
        """Stop every replica still running (SIGTERM, then SIGKILL if it hangs)."""
        for replica in self.replicas:
            await replica.channel.close()
            if replica.process.returncode is None:
                replica.process.send_signal(signal.SIGTERM)
        for replica in self.replicas:
            try:
                await asyncio.wait_for(replica.process.wait(), 30)
            except TimeoutError:
                replica.process.kill()
                await replica.process.wait()


async def start_cluster(
    count: int,
    *,
    dsn: str,
    redis_url: str,
    sandbox_url: str,
    log_dir: Path,
    env: dict[str, str] | None = None,
) -> Cluster:
    """Start ``count`` replicas and wait until all of them serve."""
    namespace = f"cluster-{secrets.token_hex(4)}"
    common = {
        **os.environ,
        "GUIDERA_DATABASE_URL": dsn,
        "GUIDERA_REDIS_URL": redis_url,
        "GUIDERA_CACHE_NAMESPACE": namespace,
        "GUIDERA_SANDBOX_URL": sandbox_url,
        "GUIDERA_AUTH": "open",
        "GUIDERA_LOG_FORMAT": "json",
        "GUIDERA_METRICS_LISTEN": "127.0.0.1:0",
        "GUIDERA_REPLICAS": str(count),
        "GUIDERA_RETRIES": "0",
        **(env or {}),
    }
    replicas: list[Replica] = []
    for index in range(count):
        address = f"127.0.0.1:{free_port()}"
        log_path = log_dir / f"replica-{index}.log"
        with log_path.open("wb") as log_file:
            process = await asyncio.create_subprocess_exec(
                GUIDERA,
                "serve",
                env={**common, "GUIDERA_LISTEN": address},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log_file,
            )
        replicas.append(Replica(f"replica-{index}", address, log_path, process))
    cluster = Cluster(replicas, namespace)
    try:
        await asyncio.gather(*(wait_serving(r.address, r.process) for r in replicas))
    except BaseException:
        await cluster.stop()
        raise
    return cluster

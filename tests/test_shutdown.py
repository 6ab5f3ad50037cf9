"""Graceful stop of a real server process: SIGTERM lets a running stream finish."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import grpc
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from tests.searching import flight_request

GUIDERA = str(Path(sys.executable).parent / "guidera")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _wait_until_serving(address: str, process: asyncio.subprocess.Process) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        for _ in range(200):
            assert process.returncode is None, "the server exited during start-up"
            try:
                await asyncio.wait_for(channel.channel_ready(), timeout=0.2)
                stub = search_service_pb2_grpc.SearchServiceStub(channel)
                call = stub.Search(flight_request(providers=("duffel",)), timeout=5)
                async for _ in call:
                    pass
                return
            except (TimeoutError, grpc.aio.AioRpcError):
                await asyncio.sleep(0.1)
    raise AssertionError("the server never served")


async def test_sigterm_lets_a_running_search_finish_then_exits_0(pg_dsn: str) -> None:
    """A search in flight when SIGTERM arrives still completes; the process then exits 0."""
    address = f"127.0.0.1:{_free_port()}"
    env = {**os.environ, "GUIDERA_DATABASE_URL": pg_dsn, "GUIDERA_LISTEN": address}
    process = await asyncio.create_subprocess_exec(
        GUIDERA,
        "serve",
        "--sandbox",
        "--latency",
        "all=0ms",
        "--latency",
        "kiwi=1500ms",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await _wait_until_serving(address, process)
        async with grpc.aio.insecure_channel(address) as channel:
            stub = search_service_pb2_grpc.SearchServiceStub(channel)
            call = stub.Search(flight_request(), timeout=10)
            events = []
            async for event in call:
                events.append(event)
                if len(events) == 1:
                    process.send_signal(signal.SIGTERM)

        completed = events[-1].completed
        assert events[-1].WhichOneof("event") == "completed"
        answered = search_service_pb2.PROVIDER_OUTCOME_ANSWERED
        assert {p.provider: p.outcome for p in completed.providers} == {
            "amadeus": answered,
            "duffel": answered,
            "kiwi": answered,
        }
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

"""Graceful stop of a real server process: SIGTERM lets a running stream finish."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import asyncpg
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from tests.cli_runner import GUIDERA
from tests.cluster_kit import free_port
from tests.searching import flight_request


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
    """On SIGTERM the health service turns NOT_SERVING at once while a search in flight
    still completes; the process exits 0 with that search's calls in the call log."""
    address = f"127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "GUIDERA_DATABASE_URL": pg_dsn,
        "GUIDERA_LISTEN": address,
        "GUIDERA_DRAIN_DELAY_S": "0.5",
    }
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
            health: Any = health_pb2_grpc.HealthStub(channel)
            events = []
            statuses = []
            async for event in call:
                events.append(event)
                if len(events) == 1:
                    process.send_signal(signal.SIGTERM)
                    for _ in range(50):
                        reply = await health.Check(health_pb2.HealthCheckRequest(), timeout=1)
                        statuses.append(reply.status)
                        if reply.status == health_pb2.HealthCheckResponse.NOT_SERVING:
                            break
                        await asyncio.sleep(0.02)

        completed = events[-1].completed
        assert events[-1].WhichOneof("event") == "completed"
        answered = search_service_pb2.PROVIDER_OUTCOME_ANSWERED
        assert {p.provider: p.outcome for p in completed.providers} == {
            "amadeus": answered,
            "duffel": answered,
            "kiwi": answered,
        }
        assert statuses[-1] == health_pb2.HealthCheckResponse.NOT_SERVING
        assert await asyncio.wait_for(process.wait(), timeout=15) == 0
        request_id = events[0].started.request_id
        connection = await asyncpg.connect(pg_dsn)
        try:
            logged = await connection.fetch(
                "SELECT provider FROM provider_logs WHERE request_id = $1", request_id
            )
        finally:
            await connection.close()
        assert sorted(r["provider"] for r in logged) == ["amadeus", "duffel", "kiwi"]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

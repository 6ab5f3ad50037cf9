"""A server killed after the supplier confirmed a booking but before the database heard of
it: the booking stays pending, and reconciliation on the next server confirms it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import uuid
from pathlib import Path

import asyncpg
import grpc
from guidera.v1 import (
    booking_service_pb2,
    booking_service_pb2_grpc,
    search_service_pb2_grpc,
)

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.cluster_kit import free_port, wait_serving
from tests.pg import PgCluster
from tests.searching import collect, hotel_request, of_kind
from tests.server_fixtures import SandboxControl, lift_rate_limits, server_settings

GUIDERA = str(Path(sys.executable).parent / "guidera")


def _hotelbeds_only(dsn: str, sandbox_url: str, address: str) -> dict[str, str]:
    return {
        **os.environ,
        "GUIDERA_DATABASE_URL": dsn,
        "GUIDERA_LISTEN": address,
        "GUIDERA_AUTH": "open",
        "GUIDERA_RETRIES": "0",
        "HOTELBEDS_BASE_URL": f"{sandbox_url}/hotelbeds",
        "HOTELBEDS_API_KEY": SANDBOX_CREDENTIALS["hotelbeds_api_key"],
        "HOTELBEDS_SECRET": SANDBOX_CREDENTIALS["hotelbeds_secret"],
    }


async def _ledger(control: SandboxControl) -> list[dict[str, str]]:
    async with control.http.get("/_sandbox/bookings") as response:
        listed: list[dict[str, str]] = (await response.json())["bookings"]
        return listed


async def test_a_booking_confirmed_by_the_supplier_survives_a_killed_server(
    pg_cluster: PgCluster, sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> None:
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    address = f"127.0.0.1:{free_port()}"
    process = await asyncio.create_subprocess_exec(
        GUIDERA,
        "serve",
        env=_hotelbeds_only(dsn, sandbox.url, address),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_serving(address, process)
        async with grpc.aio.insecure_channel(address) as channel:
            offer_id = await _a_hotelbeds_offer(channel)
            await sandbox_control.set("hotelbeds", book_latency="3000ms")
            booking = asyncio.create_task(_book(channel, offer_id))
            for _ in range(100):
                if await _ledger(sandbox_control):
                    break
                await asyncio.sleep(0.05)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            booking.cancel()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    rows = await _bookings(dsn)
    assert [r["status"] for r in rows] == ["pending"]

    server = GuideraServer(server_settings(dsn, sandbox.url))
    await server.start()
    try:
        await server.wait_ready()
        assert server.runtime.reconciler is not None
        assert await server.runtime.reconciler.run_once(pending_grace_s=0) == 1
    finally:
        await server.stop(grace_s=0.5)

    settled = await _bookings(dsn)
    assert [r["status"] for r in settled] == ["confirmed"]
    assert settled[0]["supplier_reference"] == (await _ledger(sandbox_control))[0]["reference"]
    assert len(await _ledger(sandbox_control)) == 1


async def _a_hotelbeds_offer(channel: grpc.aio.Channel) -> str:
    stub = search_service_pb2_grpc.SearchServiceStub(channel)
    request = hotel_request(check_in=70, adults=1, refresh=False)
    arrivals = await collect(stub.Search(request, timeout=20))
    offers = [r.offer for a in of_kind(arrivals, "offers") for r in a.event.offers.offers]
    assert offers
    return offers[0].offer_id


async def _book(channel: grpc.aio.Channel, offer_id: str) -> None:
    stub = booking_service_pb2_grpc.BookingServiceStub(channel)
    traveler = booking_service_pb2.Traveler(
        given_name="Ada", family_name="Lovelace", email="ada@example.com"
    )
    request = booking_service_pb2.BookRequest(
        idempotency_key=f"crash-{uuid.uuid4()}",
        offer_id=offer_id,
        travelers=[traveler],
        payment_token="tok_test_4242",
    )
    # The server is killed under this call.
    with contextlib.suppress(grpc.aio.AioRpcError):
        await stub.Book(request, timeout=20)


async def _bookings(dsn: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(dsn)
    try:
        return list(await connection.fetch("SELECT status, supplier_reference FROM bookings"))
    finally:
        await connection.close()

"""The path a new user takes: no database URL, so the service starts its own PostgreSQL."""

from __future__ import annotations

import tempfile
from pathlib import Path

import grpc
from guidera.v1 import search_service_pb2_grpc

from guidera_grpc.config import Settings
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.searching import collect, flight_request


async def test_a_search_end_to_end_on_the_embedded_database(sandbox: RunningSandbox) -> None:
    """Start with no GUIDERA_DATABASE_URL: embedded PostgreSQL, migrations, a full search."""
    # Under /tmp, never a home folder: the embedded server opens rights on every parent.
    with tempfile.TemporaryDirectory(prefix="guidera-embedded-") as state:
        settings = Settings.model_validate(
            {
                "GUIDERA_LISTEN": "127.0.0.1:0",
                "GUIDERA_STATE_DIR": Path(state),
                "GUIDERA_AUTH": "open",
            }
        )
        server = GuideraServer(settings.with_sandbox(sandbox.url))
        await server.start()
        try:
            await server.wait_ready()
            assert server.runtime.store.embedded is not None
            async with grpc.aio.insecure_channel(server.address) as channel:
                stub = search_service_pb2_grpc.SearchServiceStub(channel)
                arrivals = await collect(stub.Search(flight_request(), timeout=15))
        finally:
            await server.stop(grace_s=1)

    assert arrivals[-1].kind == "completed"
    assert arrivals[-1].event.completed.total_offers > 0

"""A server of the admin tests' own: they disable providers and change rates, so they never
share the session's server. AdminService is served beside it on the same runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from guidera.v1 import admin_service_pb2_grpc, search_service_pb2_grpc
from pydantic import SecretStr

from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.server import GuideraServer
from tests.pg import PgCluster
from tests.server_fixtures import PLAIN, lift_rate_limits, server_settings

SECRET_KEY = SecretStr("admin-tests-secret")


@dataclass
class AdminRig:
    """The running service, a stub for its searches and one for administration."""

    server: GuideraServer
    dsn: str
    admin: admin_service_pb2_grpc.AdminServiceAsyncStub
    search: search_service_pb2_grpc.SearchServiceAsyncStub
    admin_address: str


async def open_rig(pg_cluster: PgCluster, sandbox: RunningSandbox) -> AsyncIterator[AdminRig]:
    """Start the service, AdminService included, on a fresh database."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    settings = server_settings(dsn, sandbox.url, auth_mode="open", secret_key=SECRET_KEY, **PLAIN)
    running = GuideraServer(settings)
    await running.start()
    await running.wait_ready()
    async with grpc.aio.insecure_channel(running.address) as channel:
        yield AdminRig(
            running,
            dsn,
            admin_service_pb2_grpc.AdminServiceStub(channel),
            search_service_pb2_grpc.SearchServiceStub(channel),
            running.address,
        )
    await running.stop(grace_s=1)


def bad_fields(error: grpc.aio.AioRpcError) -> set[str]:
    """The fields a BadRequest detail of ``error`` names."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    named: set[str] = set()
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            request = error_details_pb2.BadRequest()
            detail.Unpack(request)
            named.update(v.field for v in request.field_violations)
    return named

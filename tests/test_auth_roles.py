"""API keys and roles on a server that requires them: each role against each service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from guidera.v1 import (
    admin_service_pb2,
    admin_service_pb2_grpc,
    booking_service_pb2,
    booking_service_pb2_grpc,
    offer_service_pb2,
    offer_service_pb2_grpc,
    search_service_pb2_grpc,
)

from guidera_grpc.api.auth import Authentication, caller_var
from guidera_grpc.logs import JsonFormatter
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.security.keys import (
    KeyRing,
    Role,
    create_key,
    find_key,
    list_keys,
    revoke_key,
)
from guidera_grpc.server import GuideraServer
from tests.cli_runner import run_guidera
from tests.pg import PgCluster
from tests.searching import collect, days_ahead, flight_request
from tests.server_fixtures import PLAIN, lift_rate_limits, server_settings

Code = grpc.StatusCode
REFUSALS = {Code.UNAUTHENTICATED, Code.PERMISSION_DENIED}


@dataclass(frozen=True)
class Secured:
    """A server requiring keys, and one key per role."""

    server: GuideraServer
    keys: dict[str, str]
    dsn: str


@pytest.fixture(scope="module")
async def secured(pg_cluster: PgCluster, sandbox: RunningSandbox) -> AsyncIterator[Secured]:
    """A server of its own in ``keys`` mode, with a search, a book and an admin key."""
    dsn = await pg_cluster.create_database()
    await lift_rate_limits(dsn)
    server = GuideraServer(server_settings(dsn, sandbox.url, auth_mode="keys", **PLAIN))
    await server.start()
    await server.wait_ready()
    pool = server.runtime.store.pool
    keys = {
        role.value: (await create_key(pool, [role], name=f"{role.value} test")).token
        for role in Role
    }
    yield Secured(server, keys, dsn)
    await server.stop(grace_s=1)


def _metadata(key: str | None) -> tuple[tuple[str, str], ...]:
    return () if key is None else (("authorization", f"Bearer {key}"),)


async def _search(channel: grpc.aio.Channel, key: str | None) -> Code:
    stub = search_service_pb2_grpc.SearchServiceStub(channel)
    call = stub.Search(flight_request(providers=("duffel",)), timeout=10, metadata=_metadata(key))
    try:
        arrivals = await collect(call)
    except grpc.aio.AioRpcError as error:
        return error.code()
    assert arrivals[-1].kind == "completed"
    return Code.OK


async def _unary(call: Awaitable[Any]) -> Code:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return Code.OK


def _book(channel: grpc.aio.Channel, key: str | None) -> Awaitable[Any]:
    stub = booking_service_pb2_grpc.BookingServiceStub(channel)
    return stub.Book(booking_service_pb2.BookRequest(), timeout=5, metadata=_metadata(key))


def _get_booking(channel: grpc.aio.Channel, key: str | None) -> Awaitable[Any]:
    stub = booking_service_pb2_grpc.BookingServiceStub(channel)
    request = booking_service_pb2.GetBookingRequest(booking_id="bk_does_not_exist")
    return stub.GetBooking(request, timeout=5, metadata=_metadata(key))


def _get_offer(channel: grpc.aio.Channel, key: str | None) -> Awaitable[Any]:
    stub = offer_service_pb2_grpc.OfferServiceStub(channel)
    request = offer_service_pb2.GetOfferRequest(offer_id="off_does_not_exist")
    return stub.GetOffer(request, timeout=5, metadata=_metadata(key))


def _admin(channel: grpc.aio.Channel, key: str | None) -> Awaitable[Any]:
    stub = admin_service_pb2_grpc.AdminServiceStub(channel)
    request = admin_service_pb2.ListProvidersRequest()
    return stub.ListProviders(request, timeout=5, metadata=_metadata(key))


UNARY: dict[str, Callable[[grpc.aio.Channel, str | None], Awaitable[Any]]] = {
    "Book": _book,
    "GetBooking": _get_booking,
    "GetOffer": _get_offer,
    "ListProviders": _admin,
}

#: Which RPCs each role may reach: Search needs search; offers and bookings need book.
ALLOWED = {
    "search": {"Search"},
    "book": {"Book", "GetBooking", "GetOffer"},
    "admin": {"Search", "Book", "GetBooking", "GetOffer", "ListProviders"},
}


async def _code(channel: grpc.aio.Channel, rpc: str, key: str | None) -> Code:
    if rpc == "Search":
        return await _search(channel, key)
    return await _unary(UNARY[rpc](channel, key))


@pytest.mark.parametrize("role", ["search", "book", "admin"])
@pytest.mark.parametrize("rpc", ["Search", "Book", "GetBooking", "GetOffer", "ListProviders"])
async def test_each_role_reaches_only_its_services(secured: Secured, role: str, rpc: str) -> None:
    """A role's own RPCs get past authentication; any other answers PERMISSION_DENIED, even
    for something that does not exist (permission before existence)."""
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        code = await _code(channel, rpc, secured.keys[role])

    if rpc in ALLOWED[role]:
        assert code not in REFUSALS
    else:
        assert code == Code.PERMISSION_DENIED


async def test_a_search_key_streams_a_whole_search(secured: Secured) -> None:
    """The server-streaming RPC runs to its completed event with a search key."""
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        assert await _search(channel, secured.keys["search"]) == Code.OK


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "not-a-key",
        "gk_00000000_" + "0" * 64,
        "gk_" + "x" * 200,
    ],
)
@pytest.mark.parametrize("rpc", ["Search", "Book", "GetOffer", "ListProviders"])
async def test_missing_or_wrong_keys_are_unauthenticated(
    secured: Secured, rpc: str, key: str | None
) -> None:
    """No key, garbage, an unknown key: UNAUTHENTICATED, for unary and streaming RPCs alike."""
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        assert await _code(channel, rpc, key) == Code.UNAUTHENTICATED


async def test_a_real_prefix_with_a_wrong_secret_is_unauthenticated(secured: Secured) -> None:
    """Knowing a key's public prefix is not enough."""
    prefix = secured.keys["admin"].split("_")[1]
    forged = f"gk_{prefix}_{'a' * 64}"
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        assert await _code(channel, "ListProviders", forged) == Code.UNAUTHENTICATED


async def test_a_revoked_key_stops_working_within_seconds(secured: Secured) -> None:
    """Revocation reaches a server that had the key cached within its few seconds of memory."""
    pool = secured.server.runtime.store.pool
    made = await create_key(pool, [Role.BOOK], name="soon revoked")
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        assert await _code(channel, "GetOffer", made.token) not in REFUSALS

        assert await revoke_key(pool, made.record.id) is not None
        for _ in range(80):
            code = await _code(channel, "GetOffer", made.token)
            if code == Code.UNAUTHENTICATED:
                break
            await asyncio.sleep(0.1)

    assert code == Code.UNAUTHENTICATED
    listed = {key.id: key for key in await list_keys(pool)}
    assert listed[made.record.id].revoked_at is not None
    assert await find_key(pool, made.token) is None


async def test_a_key_revoked_before_use_is_refused_at_once(secured: Secured) -> None:
    """A revoked key never seen by the server is refused on its first call."""
    pool = secured.server.runtime.store.pool
    made = await create_key(pool, [Role.ADMIN])
    await revoke_key(pool, made.record.id)
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        assert await _code(channel, "Search", made.token) == Code.UNAUTHENTICATED


async def test_health_is_open_without_a_key(secured: Secured) -> None:
    """Probes need no key."""
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        stub: Any = health_pb2_grpc.HealthStub(channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_the_refusal_says_how_to_authenticate(secured: Secured) -> None:
    """The status message tells a client what to send, and names no secret."""
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _admin(channel, None)
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await _admin(channel, secured.keys["search"])

    assert "authorization: Bearer" in (refused.value.details() or "")
    assert "admin role" in (denied.value.details() or "")
    assert secured.keys["search"] not in (denied.value.details() or "")


async def test_keys_never_reach_the_logs(
    secured: Secured, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither a key nor its secret appears in any log line, fields included."""
    caplog.set_level(logging.DEBUG)
    pool = secured.server.runtime.store.pool
    revoked = await create_key(pool, [Role.SEARCH])
    await revoke_key(pool, revoked.record.id)
    tokens = [*secured.keys.values(), revoked.token]
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        for token in tokens:
            for rpc in ("Search", "Book", "GetOffer", "ListProviders"):
                await _code(channel, rpc, token)
        await _code(channel, "Search", secured.keys["admin"][:-1] + "0")

    formatter = JsonFormatter()
    lines = "\n".join(formatter.format(record) for record in caplog.records)
    assert "rpc refused" in lines
    for token in tokens:
        assert token not in lines
        assert token.rsplit("_", 1)[1] not in lines


async def test_servicers_see_which_key_called(secured: Secured) -> None:
    """The interceptor leaves the caller's key in ``caller_var`` for the handler."""
    pool = secured.server.runtime.store.pool
    made = await create_key(pool, [Role.ADMIN], name="auditor")

    async def who(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> bytes:
        caller = caller_var.get()
        return b"-" if caller is None else f"{caller.id}:{caller.name}".encode()

    handlers = grpc.method_handlers_generic_handler(
        "guidera.v1.AdminService", {"Who": grpc.unary_unary_rpc_method_handler(who)}
    )
    server = grpc.aio.server(
        interceptors=[Authentication(KeyRing(lambda: pool), ready=lambda: True)]
    )
    server.add_generic_rpc_handlers((handlers,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            call: Any = channel.unary_unary("/guidera.v1.AdminService/Who")
            answer = await call(b"", timeout=5, metadata=_metadata(made.token))
    finally:
        await server.stop(0)

    assert answer == f"{made.record.id}:auditor".encode()


async def test_an_open_server_warns_loudly(
    pg_dsn: str, sandbox: RunningSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A server running without keys says so at WARNING when it starts listening."""
    caplog.set_level(logging.INFO)
    server = GuideraServer(server_settings(pg_dsn, sandbox.url))
    await server.start()
    await server.stop(grace_s=0)

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("authentication is OFF" in r.getMessage() for r in warnings)


async def test_keys_made_listed_and_revoked_from_the_cli(secured: Secured) -> None:
    """`guidera keys create` prints a working key once; list shows it; revoke ends it."""
    env = {"GUIDERA_DATABASE_URL": secured.dsn}
    code, out, err = await run_guidera(
        "keys", "create", "--role", "search", "--name", "cli test", env=env
    )
    assert code == 0, err
    token = out.strip()
    assert token.startswith("gk_")
    prefix = token.split("_")[1]

    search = ("search", "flights", "--from", "JFK", "--to", "LHR", "--depart", days_ahead(60))
    target = ("--provider", "duffel", "--json", "--target", secured.server.address)
    code, out, err = await run_guidera(*search, *target, env={"GUIDERA_API_KEY": token})
    assert code == 0, err
    assert '"completed"' in out.splitlines()[-1]

    code, out, err = await run_guidera("keys", "list", env=env)
    assert code == 0, err
    assert prefix in out
    assert token.rsplit("_", 1)[1] not in out
    key_id = next(line.split()[1] for line in out.splitlines() if prefix in line)

    code, out, err = await run_guidera("keys", "revoke", key_id, env=env)
    assert code == 0, err
    async with grpc.aio.insecure_channel(secured.server.address) as channel:
        for _ in range(80):
            if await _code(channel, "Search", token) == Code.UNAUTHENTICATED:
                break
            await asyncio.sleep(0.1)
    code, out, err = await run_guidera(*search, "--api-key", token, *target)
    assert code == 1
    assert "UNAUTHENTICATED" in err


async def test_cli_refuses_unknown_roles(secured: Secured) -> None:
    """A typo in a role is a usage error, not a key with fewer rights."""
    env = {"GUIDERA_DATABASE_URL": secured.dsn}
    code, _, err = await run_guidera("keys", "create", "--role", "serch", env=env)
    assert code == 2
    assert "unknown role" in err

"""Who may call what: each RPC's bearer key checked against the role its service needs.

The check runs in a server interceptor, before any servicer sees the request, so a caller
without the right role learns nothing about what exists (permission comes before existence).
Health and reflection stay open for probes and tools. A refused call gets a handler of the same
kind as the one it asked for (unary or streaming), which ends it with UNAUTHENTICATED or
PERMISSION_DENIED; the key itself is never logged, only its public prefix.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import asyncpg
import grpc

from guidera_grpc.api.status import to_status
from guidera_grpc.errors import GuideraError, NotReady, PermissionDenied, Unauthenticated
from guidera_grpc.security.keys import ApiKey, KeyRing, Role

log = logging.getLogger(__name__)

#: The role each service needs; an admin key may call them all.
REQUIRED_ROLES: dict[str, Role] = {
    "guidera.v1.SearchService": Role.SEARCH,
    "guidera.v1.OfferService": Role.BOOK,
    "guidera.v1.BookingService": Role.BOOK,
    "guidera.v1.AdminService": Role.ADMIN,
}

#: Services anyone may call: probes and tools need them before they have a key.
OPEN_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)

#: The key of the RPC being served, for servicers that record who did what.
caller_var: contextvars.ContextVar[ApiKey | None] = contextvars.ContextVar("caller", default=None)

_BEARER = "bearer "

if TYPE_CHECKING:
    Continuation = Callable[
        [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
    ]


def service_of(method: str) -> str:
    """``guidera.v1.SearchService`` of ``/guidera.v1.SearchService/Search``."""
    return method.lstrip("/").partition("/")[0]


def bearer_token(metadata: Sequence[tuple[str, str | bytes]] | None) -> str | None:
    """The token of the ``authorization: Bearer <token>`` entry, if there is one."""
    for name, value in metadata or ():
        if name.lower() != "authorization" or not isinstance(value, str):
            continue
        if value[: len(_BEARER)].lower() == _BEARER:
            return value[len(_BEARER) :].strip()
    return None


class Authentication(grpc.aio.ServerInterceptor):
    """Lets a call through only with an active key holding the role of its service."""

    def __init__(self, keys: KeyRing, *, ready: Callable[[], bool]) -> None:
        self._keys = keys
        self._ready = ready

    async def intercept_service(
        self, continuation: Continuation, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        method = handler_call_details.method
        service = service_of(method)
        if service in OPEN_SERVICES:
            return await continuation(handler_call_details)

        try:
            key = await self._authorize(service, handler_call_details.invocation_metadata)
        except GuideraError as error:
            log.info(
                "rpc refused",
                extra={"fields": {"method": method, "reason": error.reason, "error": str(error)}},
            )
            return refusing_handler(await continuation(handler_call_details), error)

        caller_var.set(key)
        return await continuation(handler_call_details)

    async def _authorize(
        self, service: str, metadata: Sequence[tuple[str, str | bytes]] | None
    ) -> ApiKey:
        token = bearer_token(metadata)
        if not token:
            raise Unauthenticated("an API key is required: send 'authorization: Bearer <key>'")
        if not self._ready():
            raise NotReady("the service is starting; retry shortly")

        try:
            key = await self._keys.verify(token)
        except (asyncpg.PostgresError, OSError, TimeoutError) as error:
            log.warning("cannot check API keys", extra={"fields": {"error": type(error).__name__}})
            raise NotReady("API keys cannot be checked now; retry shortly") from error
        if key is None:
            raise Unauthenticated("the API key is unknown, malformed or revoked")

        needed = REQUIRED_ROLES.get(service)
        if needed is not None and not key.allows(needed):
            raise PermissionDenied(f"key {key.prefix} lacks the {needed.value} role for {service}")
        return key


def refusing_handler(
    handler: grpc.RpcMethodHandler[Any, Any] | None, error: GuideraError
) -> grpc.RpcMethodHandler[Any, Any]:
    """A handler of the same kind as ``handler`` (unary when unknown) that ends with ``error``.

    Requests are not even decoded: their bytes are read as None.
    """
    status = to_status(error)

    async def refuse(request: object, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        await context.abort_with_status(status)

    def ignore(data: bytes) -> None:
        return None

    serialize = getattr(handler, "response_serializer", None)
    streams_in = bool(getattr(handler, "request_streaming", False))
    streams_out = bool(getattr(handler, "response_streaming", False))
    make: Any
    if streams_in and streams_out:
        make = grpc.stream_stream_rpc_method_handler
    elif streams_in:
        make = grpc.stream_unary_rpc_method_handler
    elif streams_out:
        make = grpc.unary_stream_rpc_method_handler
    else:
        make = grpc.unary_unary_rpc_method_handler
    built: grpc.RpcMethodHandler[Any, Any] = make(
        refuse, request_deserializer=ignore, response_serializer=serialize
    )
    return built

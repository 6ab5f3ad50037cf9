"""Requests whose bytes are not a valid message: INVALID_ARGUMENT, not grpc's UNKNOWN.

grpc-python answers a request it cannot parse with UNKNOWN and logs a traceback for each.
This interceptor swaps every handler's deserializer for one that turns unreadable bytes into
``None``; the servicers then refuse ``None`` with INVALID_ARGUMENT.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from guidera_grpc.errors import FieldViolation, InvalidRequest


def undecodable() -> InvalidRequest:
    """The error of a request that could not be decoded."""
    return InvalidRequest([FieldViolation("request", "is not a valid protobuf message")])


class SafeDecoding(grpc.aio.ServerInterceptor):
    """Makes undecodable requests reach the servicer as ``None``."""

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        deserialize = getattr(handler, "request_deserializer", None)
        if handler is None or deserialize is None:
            return handler
        replace: Any = getattr(handler, "_replace", None)
        if replace is None:
            return handler
        result: grpc.RpcMethodHandler[Any, Any] = replace(
            request_deserializer=_tolerant(deserialize)
        )
        return result


def _tolerant(deserialize: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        try:
            return deserialize(data)
        except (DecodeError, UnicodeDecodeError):
            return None

    return decode

"""Servicers for the services whose contracts exist but whose behaviour comes later.

Each method answers UNIMPLEMENTED with a sentence naming the method, not the generated
stubs' exception (which would log a traceback on every call).
"""

from __future__ import annotations

import inspect
from typing import Any

import grpc
from guidera.v1 import (
    admin_service_pb2_grpc,
    booking_service_pb2_grpc,
    offer_service_pb2_grpc,
)


def _refusal(service: str, method: str) -> Any:
    async def refuse(
        self: object, request: object, context: grpc.aio.ServicerContext[Any, Any]
    ) -> None:
        await context.abort(
            grpc.StatusCode.UNIMPLEMENTED, f"{service}.{method} is not available yet"
        )

    refuse.__name__ = method
    return refuse


def _unimplemented(base: type, service: str) -> type:
    methods = {
        name: _refusal(service, name)
        for name, _ in inspect.getmembers(base, inspect.isfunction)
        if not name.startswith("_")
    }
    return type(f"Unimplemented{base.__name__}", (base,), methods)


OfferServicer = _unimplemented(offer_service_pb2_grpc.OfferServiceServicer, "OfferService")
BookingServicer = _unimplemented(booking_service_pb2_grpc.BookingServiceServicer, "BookingService")
AdminServicer = _unimplemented(admin_service_pb2_grpc.AdminServiceServicer, "AdminService")

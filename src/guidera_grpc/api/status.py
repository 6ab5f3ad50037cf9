"""The one place where the service's errors become gRPC statuses with rich details."""

from __future__ import annotations

import logging
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from guidera_grpc.errors import (
    BudgetExhausted,
    GuideraError,
    InvalidRequest,
    KeyConflict,
    NoProviderAvailable,
    NotFound,
    NotReady,
    NotSupported,
    Overloaded,
    PermissionDenied,
    PreconditionFailed,
    Unauthenticated,
)

log = logging.getLogger(__name__)

DOMAIN = "guidera.travel"


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def _retry_info(seconds: float) -> error_details_pb2.RetryInfo:
    delay = duration_pb2.Duration()
    delay.FromMilliseconds(int(seconds * 1000))
    return error_details_pb2.RetryInfo(retry_delay=delay)


def to_status(error: GuideraError) -> grpc.Status:
    """Build the status, with ErrorInfo and the details each kind of error carries."""
    metadata = error.metadata if isinstance(error, PreconditionFailed) else {}
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=metadata)
    details = [_pack(info)]
    code = code_pb2.INTERNAL
    if isinstance(error, InvalidRequest):
        code = code_pb2.INVALID_ARGUMENT
        violations = [
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations
        ]
        details.append(_pack(error_details_pb2.BadRequest(field_violations=violations)))
    elif isinstance(error, NotReady):
        code = code_pb2.UNAVAILABLE
    elif isinstance(error, NoProviderAvailable):
        code = code_pb2.UNAVAILABLE
        if error.retry_after_s is not None:
            details.append(_pack(_retry_info(error.retry_after_s)))
    elif isinstance(error, BudgetExhausted | Overloaded):
        code = code_pb2.RESOURCE_EXHAUSTED
        if error.retry_after_s is not None:
            details.append(_pack(_retry_info(error.retry_after_s)))
    elif isinstance(error, PreconditionFailed):
        code = code_pb2.FAILED_PRECONDITION
        violation = error_details_pb2.PreconditionFailure.Violation(
            type=error.reason, subject="offer", description=str(error)
        )
        details.append(_pack(error_details_pb2.PreconditionFailure(violations=[violation])))
    elif isinstance(error, KeyConflict):
        code = code_pb2.ALREADY_EXISTS
    elif isinstance(error, NotFound):
        code = code_pb2.NOT_FOUND
    elif isinstance(error, NotSupported):
        code = code_pb2.UNIMPLEMENTED
    elif isinstance(error, Unauthenticated):
        code = code_pb2.UNAUTHENTICATED
    elif isinstance(error, PermissionDenied):
        code = code_pb2.PERMISSION_DENIED
    status = status_pb2.Status(code=code, message=str(error), details=details)
    return rpc_status.to_status(status)


async def abort(context: grpc.aio.ServicerContext[Any, Any], error: GuideraError) -> NoReturn:
    """End the RPC with the status of ``error``."""
    log.info("rpc refused", extra={"fields": {"reason": error.reason, "error": str(error)}})
    await context.abort_with_status(to_status(error))
    raise AssertionError("abort_with_status returned")  # pragma: no cover


async def abort_internal(context: grpc.aio.ServicerContext[Any, Any]) -> NoReturn:
    """End the RPC with INTERNAL and no detail: the cause is in the logs, not the answer."""
    error = GuideraError("internal error; the request id is in the service's logs")
    await context.abort_with_status(to_status(error))
    raise AssertionError("abort_with_status returned")  # pragma: no cover

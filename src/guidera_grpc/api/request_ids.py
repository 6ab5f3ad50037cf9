"""The request id of an RPC: the client's, when it is safe to log, else a new one."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
from opentelemetry import trace

from guidera_grpc.logs import request_id_var

MAX_REQUEST_ID = 128


def request_id_for(given: str, context: grpc.aio.ServicerContext[Any, Any]) -> str:
    """The id for this call's log lines, set for them and on its span; printable and short,
    or made here."""
    chosen = ""
    for candidate in (given, _from_metadata(context)):
        if candidate and len(candidate) <= MAX_REQUEST_ID and candidate.isprintable():
            chosen = candidate
            break
    chosen = chosen or uuid.uuid4().hex
    # Each RPC runs in its own task, so the id stays with this call's log lines.
    request_id_var.set(chosen)
    trace.get_current_span().set_attribute("guidera.request_id", chosen)
    return chosen


def _from_metadata(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str):
            return value
    return ""

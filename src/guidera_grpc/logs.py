"""Structured logging: one line per event, the request id on every line, never secrets.

Code logs with the standard library and passes fields in ``extra={"fields": {...}}``; the
request id comes from a context variable set by the servicer for the duration of an RPC.
Tasks started during an RPC copy that context, so their lines carry the id too. In JSON, a
line logged while a traced span is current also carries its ``trace_id`` and ``span_id``.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import sys
from typing import Any

import orjson
from opentelemetry import trace

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_OURS = frozenset({"request_id", "fields", "trace_id", "span_id"})


def fields_of(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields attached to a record, request id first."""
    extra: dict[str, Any] = {"request_id": getattr(record, "request_id", "-")}
    extra.update(getattr(record, "fields", None) or {})
    # Fields passed flat, as extra={"provider": ...}, count the same as under "fields".
    extra.update(
        (k, v) for k, v in record.__dict__.items() if k not in _STANDARD and k not in _OURS
    )
    return extra


class RequestIdFilter(logging.Filter):
    """Stamps every record with the request id of the RPC that emitted it, and with the ids
    of the current span when one is recorded."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            record.trace_id = format(span.trace_id, "032x")
            record.span_id = format(span.span_id, "016x")
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        # A field never overwrites the line's own keys, whatever a caller passes.
        for key, value in fields_of(record).items():
            payload.setdefault(key, value)
        trace_id = getattr(record, "trace_id", None)
        if trace_id is not None:
            payload["trace_id"] = trace_id
            payload["span_id"] = getattr(record, "span_id", None)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """``time level logger event key=value ...`` for people reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        pairs = " ".join(f"{k}={v}" for k, v in fields_of(record).items())
        line = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()} {pairs}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Route every logger to stderr with the chosen format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # These would print every sandbox request and every embedded-database command at INFO.
    for chatty in ("aiohttp.access", "pgserver"):
        logging.getLogger(chatty).setLevel(logging.WARNING)

"""Turning a CallRecord into a ``provider_logs`` row that the table's constraints accept.

Every field is brought within the column's rules here (empty strings become NULL, numbers are
rounded and clamped, an unknown fallback source is dropped) so that one odd record cannot make
a whole COPY batch fail. The summaries pass through :mod:`.sanitize` on the way.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import orjson

from guidera_grpc.operations.sanitize import sanitize
from guidera_grpc.resilience.seams import CallRecord
from guidera_grpc.store.jsonb import canonical_json

COLUMNS = (
    "request_id",
    "session_id",
    "provider",
    "endpoint",
    "request_type",
    "category",
    "attempt",
    "started_at",
    "duration_ms",
    "http_status",
    "status",
    "error_code",
    "cost",
    "routing_score",
    "is_fallback",
    "fallback_from",
    "result_count",
    "request_summary",
    "response_summary",
)

Row = tuple[object, ...]

_CATEGORIES = frozenset({"flights", "hotels", "cars", "experiences"})
_MAX_TEXT = 500


def to_row(record: CallRecord, cost: Decimal, *, fallback_known: bool, keep_payloads: bool) -> Row:
    """The row of ``record`` in the order of :data:`COLUMNS`.

    ``fallback_known`` says whether ``record.fallback_from`` names a provider of the registry;
    when it does not, the source is left out rather than failing the foreign key.
    """
    fallback_from = record.fallback_from if record.is_fallback and fallback_known else ""
    return (
        record.request_id[:_MAX_TEXT],
        _uuid_or_none(record.session_id),
        record.provider,
        record.endpoint[:_MAX_TEXT],
        record.request_type,
        record.category if record.category in _CATEGORIES else None,
        min(max(record.attempt, 1), 32767),
        record.started_at,
        max(round(record.duration_ms), 0),
        record.http_status if record.http_status and 100 <= record.http_status <= 599 else None,
        record.status,
        record.error_code[:_MAX_TEXT] or None,
        cost,
        _score(record.routing_score),
        record.is_fallback,
        fallback_from or None,
        max(record.result_count, 0),
        sanitize(record.request_summary, keep_payloads=keep_payloads),
        sanitize(record.response_summary, keep_payloads=keep_payloads),
    )


def _uuid_or_none(text: str) -> uuid.UUID | None:
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _score(score: float | None) -> Decimal | None:
    if score is None:
        return None
    return Decimal(str(round(min(max(score, -9999.99), 9999.99), 2)))


#: The version byte that starts jsonb's binary form.
_JSONB_VERSION = b"\x01"


async def use_binary_jsonb(conn: asyncpg.Connection) -> None:
    """Give ``conn`` a jsonb codec in binary form, which COPY requires.

    The pool's codec works in text form, which COPY cannot use. This one takes and returns the
    same Python values with the same canonical encoding, so other users of the connection see no
    difference; setting it costs microseconds (jsonb is a built-in type).
    """
    await conn.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=_encode_jsonb,
        decoder=_decode_jsonb,
        format="binary",
    )


def _encode_jsonb(value: Any) -> bytes:
    return _JSONB_VERSION + canonical_json(value)


def _decode_jsonb(data: bytes) -> Any:
    return orjson.loads(data[1:])

"""Small helpers the emulators share to read requests and write responses.

Each supplier formats its own bodies; this module only holds what is the same everywhere:
JSON encoding with orjson, ISO-8601 durations and wall-clock times, HTTP dates, and the
exception an emulator's parser raises for a bad parameter.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import orjson
from aiohttp import web


class BadParameter(ValueError):
    """A request field the emulated supplier would reject; ``field`` names it its own way."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.detail = detail


def json_response(
    body: Any,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
) -> web.Response:
    """A JSON response encoded with orjson."""
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        headers=headers,
        content_type=content_type,
    )


def iso_duration(span: timedelta, *, padded: bool = False) -> str:
    """``PT7H5M`` (or ``PT07H05M`` when ``padded``); hours may exceed 24."""
    minutes = round(span.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if padded:
        return f"PT{hours:02d}H{minutes:02d}M"
    if not minutes:
        return f"PT{hours}H"
    if not hours:
        return f"PT{minutes}M"
    return f"PT{hours}H{minutes}M"


def wall_clock(moment: datetime) -> str:
    """Local wall-clock time without an offset: ``2026-10-01T19:30:00``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def utc_iso(moment: datetime, *, millis: bool = True) -> str:
    """A UTC instant with a Z suffix: ``2026-10-01T23:30:00.000Z``."""
    utc = moment.astimezone(UTC)
    if millis:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(moment: datetime) -> str:
    """An RFC 9110 HTTP-date: ``Wed, 21 Oct 2026 07:28:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def now_utc() -> datetime:
    """The current instant, in UTC."""
    return datetime.now(UTC)


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BYTE_TO_BASE62 = bytes(ord(_BASE62[byte % 62]) for byte in range(256))


def base62(number: int, length: int) -> str:
    """``number`` written in ``length`` base-62 digits (leading zeros kept, overflow dropped)."""
    digits = []
    for _ in range(length):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def random_base62(length: int) -> str:
    """``length`` random base-62 characters, e.g. for ids that differ on every answer."""
    return secrets.token_bytes(length).translate(_BYTE_TO_BASE62).decode()

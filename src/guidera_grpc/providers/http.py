"""What every supplier adapter shares: one HTTP exchange within a deadline, and its failures.

``exchange`` sends one request and reads the whole answer before the deadline; it turns
aiohttp's failures into our errors (a timeout into ``ProviderTimeoutError``, a refused or
broken connection into ``ProviderUnavailableError``) and writes one log line per call. It
never retries: retrying belongs to the resilience layer, which sees every failure as ours.
The supplier's own error answers are left to each adapter, which knows their shapes.

Secrets travel only in request headers and forms. Log lines carry the method, the path and
the outcome, never headers, query strings or bodies; ``redact`` scrubs a known secret out of
any text that comes back from a supplier or a library before it reaches a message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
import orjson
from pydantic import SecretStr
from yarl import URL

from guidera_grpc.providers.errors import (
    AuthenticationError,
    MalformedResponseError,
    ProviderTimeoutError,
    ProviderUnavailableError,
)

logger = logging.getLogger(__name__)

REDACTED: Final = "[secure]"
_MESSAGE_LIMIT: Final = 300


@dataclass(frozen=True, slots=True)
class Reply:
    """A supplier's whole answer: status, headers (case-insensitive) and raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        """Whether the status is a 2xx."""
        return 200 <= self.status < 300

    def text(self) -> str:
        """The body as text, undecodable bytes replaced."""
        return self.body.decode("utf-8", errors="replace")


class Deadline:
    """The time a whole adapter call may take, shared by every exchange it makes."""

    def __init__(self, provider: str, timeout_s: float) -> None:
        self.provider = provider
        self.timeout_s = timeout_s
        self._expires_at = time.monotonic() + timeout_s

    def remaining(self) -> float:
        """Seconds left; ``ProviderTimeoutError`` once none are."""
        left = self._expires_at - time.monotonic()
        if left <= 0:
            raise self.expired()
        return left

    def expired(self) -> ProviderTimeoutError:
        """The error of a call that ran out of time."""
        return ProviderTimeoutError(self.provider, f"no answer within {self.timeout_s:.3g} s")


@dataclass(frozen=True, slots=True)
class Call:
    """One request to send: everything but the deadline."""

    method: str
    url: str
    headers: Mapping[str, str]
    params: Mapping[str, str] | None = None
    json: Any = None
    form: Mapping[str, str] | None = None


async def exchange(
    session: aiohttp.ClientSession, provider: str, call: Call, deadline: Deadline
) -> Reply:
    """Send ``call`` and read the whole answer before ``deadline``; failures become ours."""
    timeout = aiohttp.ClientTimeout(total=deadline.remaining())
    data = orjson.dumps(call.json) if call.json is not None else call.form
    started = time.perf_counter()
    outcome = "failed"
    status: int | None = None
    try:
        async with session.request(
            call.method,
            call.url,
            headers=dict(call.headers),
            params=call.params,
            data=data,
            timeout=timeout,
            allow_redirects=False,
        ) as response:
            status = response.status
            body = await response.read()
            outcome = "answered"
            return Reply(status, response.headers, body)
    except TimeoutError:
        outcome = "timed_out"
        raise deadline.expired() from None
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    except aiohttp.ClientError as error:
        raise ProviderUnavailableError(provider, describe_failure(error)) from None
    finally:
        _log_call(provider, call, status, outcome, time.perf_counter() - started)


def describe_failure(error: BaseException) -> str:
    """A short, secret-free description of a transport failure (no URL, no query string)."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"cannot connect to {error.host}:{error.port}"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "server closed the connection"
    if isinstance(error, aiohttp.ClientPayloadError):
        return "answer cut short"
    return f"transport failure ({type(error).__name__})"


def _log_call(
    provider: str, call: Call, status: int | None, outcome: str, elapsed_s: float
) -> None:
    logger.info(
        "upstream call",
        extra={
            "fields": {
                "provider": provider,
                "method": call.method,
                "path": URL(call.url).path,
                "status": status,
                "outcome": outcome,
                "elapsed_ms": round(elapsed_s * 1000, 1),
            }
        },
    )


def decode_json(provider: str, reply: Reply) -> Any:
    """The body as JSON (orjson), or ``MalformedResponseError``."""
    try:
        return orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        raise MalformedResponseError(
            provider, "answer is not JSON", http_status=reply.status
        ) from None


def lenient_json(reply: Reply) -> Any:
    """The body as JSON when it is JSON, else None: for reading error answers."""
    try:
        return orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        return None


def require_secret(provider: str, secret: SecretStr | None, setting: str) -> str:
    """A configured credential's value, or ``AuthenticationError`` before any call is made."""
    value = secret.get_secret_value() if secret is not None else ""
    if not value:
        raise AuthenticationError(provider, f"{setting} not configured")
    return value


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret replaced by ``[secure]``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def clip(text: str, limit: int = _MESSAGE_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters: for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit - 1]}…"


def retry_after_s(
    headers: Mapping[str, str],
    names: Iterable[str] = ("Retry-After",),
    now: dt.datetime | None = None,
) -> float | None:
    """Seconds to wait, from the first of ``names`` present (delta-seconds or HTTP-date)."""
    for name in names:
        value = headers.get(name)
        if value:
            seconds = _delay_s(value.strip(), now or dt.datetime.now(dt.UTC))
            if seconds is not None:
                return seconds
    return None


def _delay_s(value: str, now: dt.datetime) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, (moment - now).total_seconds())


async def acquire_within(lock: asyncio.Lock, deadline: Deadline) -> None:
    """Take ``lock`` before the deadline, or ``ProviderTimeoutError``."""
    try:
        async with asyncio.timeout(deadline.remaining()):
            await lock.acquire()
    except TimeoutError:
        raise deadline.expired() from None

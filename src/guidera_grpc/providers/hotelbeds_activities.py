"""Hotelbeds Activities search: ``POST /activity-api/3.0/activities``, signed per request.

The Activities suite has its own key and secret (``HOTELBEDS_ACTIVITIES_API_KEY`` and
``_SECRET``), sent as ``Api-key`` and a fresh ``X-Signature`` on every call. The city goes
as a ``destination`` filter with its IATA city code (``ROM`` for any Rome airport), the
words as a ``text`` filter beside it.

Errors come in three forms: the gateway's ``{"error": "<text>"}`` (a 401, or a 403 whose
``X-Mashery-Error-Code`` tells a refused key from a throttled one or a used-up quota), the API's
``{auditData, error: {code, message}}``, and the Activities API's ``errors: [{code, text,
internalDescription}]``, which may also come with a 200. ``error_from`` is the one place
where they become ours.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Final

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.experiences import Visit
from guidera_grpc.normalizers.hotelbeds_activities import normalize_hotelbeds_activities
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderError,
    QuotaExceededError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.providers.hotelbeds_auth import hotelbeds_headers
from guidera_grpc.providers.http import (
    Call,
    Deadline,
    Reply,
    clip,
    decode_json,
    exchange,
    lenient_json,
    redact,
    require_secret,
    retry_after_s,
)
from guidera_grpc.search.params import ExperienceSearch

CODE: Final = "hotelbeds"
SEARCH_PATH: Final = "/activity-api/3.0/activities"
LANGUAGE: Final = "en"
ERROR_CODE_HEADER: Final = "X-Mashery-Error-Code"
#: The gateway's 403 for too many calls a second (wait and retry) and for a used-up quota.
OVER_QPS: Final = "ERR_403_DEVELOPER_OVER_QPS"
OVER_RATE: Final = "ERR_403_DEVELOPER_OVER_RATE"
#: Activities are priced in the contract's currency; the search cannot ask for another.
CONTRACT_CURRENCY: Final = "EUR"


class HotelbedsActivities:
    """The Hotelbeds Activities adapter (``ExperienceProvider``)."""

    code = CODE

    def __init__(
        self, session: aiohttp.ClientSession, settings: Settings, *, max_offers: int = 50
    ) -> None:
        self._session = session
        self._base_url = settings.hotelbeds_base_url.rstrip("/")
        self._api_key = settings.hotelbeds_activities_api_key
        self._secret = settings.hotelbeds_activities_secret
        self._max_offers = max(1, max_offers)

    async def search_experiences(
        self, search: ExperienceSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        api_key = require_secret(CODE, self._api_key, "HOTELBEDS_ACTIVITIES_API_KEY")
        secret = require_secret(CODE, self._secret, "HOTELBEDS_ACTIVITIES_SECRET")
        deadline = Deadline(CODE, timeout_s)
        visit = dataclasses.replace(Visit.of(search), currency=CONTRACT_CURRENCY)

        headers = hotelbeds_headers(api_key, secret)
        body = _search_body(search, visit, self._max_offers)
        call = Call("POST", f"{self._base_url}{SEARCH_PATH}", headers, json=body)
        reply = await exchange(self._session, CODE, call, deadline)
        secrets = (api_key, secret, headers["X-Signature"])
        if not reply.ok:
            raise error_from(reply, secrets)
        answer = decode_json(CODE, reply)
        if isinstance(answer, Mapping) and answer.get("errors"):
            raise error_from(reply, secrets)

        return normalize_hotelbeds_activities(answer, visit)


def _search_body(search: ExperienceSearch, visit: Visit, limit: int) -> dict[str, Any]:
    items: list[dict[str, Any]] = [{"type": "destination", "value": visit.city.city_code}]
    if search.text.strip():
        items.append({"type": "text", "value": search.text.strip()})
    return {
        "filters": [{"searchFilterItems": items}],
        "from": search.from_date.isoformat(),
        "to": search.to_date.isoformat(),
        "language": LANGUAGE,
        "pagination": {"itemsPerPage": limit, "page": 1},
        "order": "DEFAULT",
    }


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a Hotelbeds Activities error becomes ours; ``secrets`` are scrubbed."""
    body = lenient_json(reply)
    code, text = _error_of(body)
    message = redact(_describe(reply, code, text), secrets)
    status = reply.status
    gateway_code = reply.headers.get(ERROR_CODE_HEADER, "")

    if status == 429 or (status == 403 and gateway_code == OVER_QPS):
        return RateLimitedError(
            CODE, message, http_status=status, retry_after=retry_after_s(reply.headers)
        )
    if status == 403 and gateway_code == OVER_RATE:
        return QuotaExceededError(CODE, message, http_status=status)
    if status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if 400 <= status < 500 or (reply.ok and code in ("INVALID_REQUEST", "INVALID_DATA")):
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _error_of(body: object) -> tuple[str, str]:
    """(code, text) from any of the error forms; empty strings when none is found."""
    if not isinstance(body, Mapping):
        return "", ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        first = errors[0]
        return str(first.get("code") or ""), str(first.get("text") or "")
    error = body.get("error")
    if isinstance(error, str):
        return "", error
    if isinstance(error, Mapping):
        return str(error.get("code") or ""), str(error.get("message") or "")
    return str(body.get("code") or ""), str(body.get("message") or "")


def _describe(reply: Reply, code: str, text: str) -> str:
    """``HTTP 403: Developer Inactive`` or ``HTTP 400: INVALID_DATA: <text>``."""
    if text or code:
        head = f"{code}: " if code else ""
        return clip(f"HTTP {reply.status}: {head}{text}")
    body = clip(reply.text(), 120) if reply.body else ""
    return f"HTTP {reply.status}: {body}" if body else f"HTTP {reply.status}"

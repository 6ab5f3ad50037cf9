"""Duffel flight search: one ``POST /air/offer_requests`` that returns its offers inline.

Duffel asks its airlines within ``supplier_timeout``; we set it a little below our own time
left (within Duffel's bounds of 2–60 s) so that Duffel answers with what it has rather than
being cut off by us. Errors come as ``{"meta": {status, request_id}, "errors": [...]}``;
the HTTP status line decides the kind (the body's ``meta.status`` can disagree), and a 2xx
answer that carries ``errors`` is an error all the same. ``error_from`` is the one place
where they become ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import DUFFEL_CABINS, cabin_code
from guidera_grpc.normalizers.duffel_flights import normalize_duffel_flights
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderError,
    RateLimitedError,
    UpstreamError,
)
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
from guidera_grpc.search.params import FlightSearch

CODE: Final = "duffel"
API_VERSION: Final = "v2"
SEARCH_PATH: Final = "/air/offer_requests"
SUPPLIER_TIMEOUT_MIN_MS: Final = 2_000
SUPPLIER_TIMEOUT_MAX_MS: Final = 60_000
#: What we keep for ourselves out of the time left: the answer must still travel back.
SUPPLIER_TIMEOUT_MARGIN_MS: Final = 500
MAX_CONNECTIONS: Final = 2
#: Where Duffel says when to come back: its HTTP-date reset first, then the standard header.
RETRY_HEADERS: Final = ("ratelimit-reset", "Retry-After")

#: Error ``type``\\ s of a 2xx answer that carries ``errors``, by the error they become.
_ERROR_TYPES: Final[Mapping[str, type[ProviderError]]] = {
    "authentication_error": AuthenticationError,
    "rate_limit_error": RateLimitedError,
    "invalid_request_error": InvalidRequestError,
    "validation_error": InvalidRequestError,
    "invalid_state_error": InvalidRequestError,
    "airline_error": UpstreamError,
    "api_error": UpstreamError,
}


class DuffelFlights:
    """The Duffel flight adapter (``FlightProvider``)."""

    code = CODE

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self._session = session
        self._base_url = settings.duffel_base_url.rstrip("/")
        self._access_token = settings.duffel_access_token

    async def search_flights(
        self, search: FlightSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        token = require_secret(CODE, self._access_token, "DUFFEL_ACCESS_TOKEN")
        deadline = Deadline(CODE, timeout_s)

        reply = await exchange(
            self._session, CODE, self._search_call(search, token, deadline), deadline
        )
        if not reply.ok:
            raise error_from(reply, (token,))
        body = decode_json(CODE, reply)
        if isinstance(body, Mapping) and body.get("errors"):
            raise error_from(reply, (token,))

        return normalize_duffel_flights(body)

    def _search_call(self, search: FlightSearch, token: str, deadline: Deadline) -> Call:
        headers = {
            "Authorization": f"Bearer {token}",
            "Duffel-Version": API_VERSION,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Accept-Encoding": "gzip",
        }
        params = {
            "return_offers": "true",
            "supplier_timeout": str(supplier_timeout_ms(deadline.remaining())),
        }
        return Call(
            "POST", f"{self._base_url}{SEARCH_PATH}", headers, params=params, json=_body(search)
        )


def supplier_timeout_ms(time_left_s: float) -> int:
    """Duffel's own time budget: our time left less a margin, within 2 000–60 000 ms."""
    wanted = int(time_left_s * 1000) - SUPPLIER_TIMEOUT_MARGIN_MS
    return max(SUPPLIER_TIMEOUT_MIN_MS, min(SUPPLIER_TIMEOUT_MAX_MS, wanted))


def _body(search: FlightSearch) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slices": [
            {
                "origin": journey.origin,
                "destination": journey.destination,
                "departure_date": journey.departure_date.isoformat(),
            }
            for journey in search.slices
        ],
        "passengers": _passengers(search),
        "cabin_class": cabin_code(DUFFEL_CABINS, search.cabin),
    }
    if search.max_connections is not None:
        data["max_connections"] = max(0, min(MAX_CONNECTIONS, search.max_connections))
    return {"data": data}


def _passengers(search: FlightSearch) -> list[dict[str, Any]]:
    """Adults by type, children by age, infants on a lap."""
    return [
        *({"type": "adult"} for _ in range(search.adults)),
        *({"age": age} for age in search.child_ages),
        *({"type": "infant_without_seat"} for _ in range(search.infants)),
    ]


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a Duffel error answer becomes ours; ``secrets`` are scrubbed."""
    body = lenient_json(reply)
    first = _first_error(body)
    message = redact(_describe(reply, body, first), secrets)
    status = reply.status

    if status == 429:
        return _rate_limited(reply, message)
    if status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    if status >= 500 or not reply.ok:
        return UpstreamError(CODE, message, http_status=status)
    return _error_from_type(first, message, reply)


def _error_from_type(first: Mapping[str, Any], message: str, reply: Reply) -> ProviderError:
    """A 2xx answer carrying ``errors``: only the error's ``type`` says what went wrong."""
    kind = _ERROR_TYPES.get(str(first.get("type")), UpstreamError)
    if kind is RateLimitedError:
        return _rate_limited(reply, message)
    return kind(CODE, message, http_status=reply.status)


def _rate_limited(reply: Reply, message: str) -> RateLimitedError:
    retry_after = retry_after_s(reply.headers, RETRY_HEADERS)
    return RateLimitedError(CODE, message, http_status=reply.status, retry_after=retry_after)


def _first_error(body: object) -> Mapping[str, Any]:
    errors = body.get("errors") if isinstance(body, Mapping) else None
    first = errors[0] if isinstance(errors, list) and errors else None
    return first if isinstance(first, Mapping) else {}


def _describe(reply: Reply, body: object, first: Mapping[str, Any]) -> str:
    """``HTTP 422: validation_error/invalid_field: ... (at /slices) [request req_...]``."""
    if not first:
        text = f": {clip(reply.text(), 120)}" if reply.body else ""
        return f"HTTP {reply.status}{text}"
    kind = "/".join(str(first[k]) for k in ("type", "code") if first.get(k))
    text = first.get("message") or first.get("title") or ""
    parts = [f"HTTP {reply.status}: {kind}: {text}"]
    if where := _source(first.get("source")):
        parts.append(f"(at {where})")
    if request_id := _request_id(reply, body):
        parts.append(f"[request {request_id}]")
    return clip(" ".join(parts))


def _source(source: object) -> str:
    """Where the error lies: ``source`` is an object for validation errors, text for airlines."""
    if isinstance(source, Mapping):
        return str(source.get("pointer") or source.get("field") or "")
    return str(source) if source else ""


def _request_id(reply: Reply, body: object) -> str:
    meta = body.get("meta") if isinstance(body, Mapping) else None
    from_body = meta.get("request_id") if isinstance(meta, Mapping) else None
    return str(from_body or reply.headers.get("x-request-id") or "")

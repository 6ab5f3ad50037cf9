"""Hotelbeds APItude hotel search: ``POST /hotel-api/1.0/hotels`` by destination code.

Each call is signed afresh (``Api-key`` and ``X-Signature``, see ``hotelbeds_auth``). Rooms
of the same occupancy travel as one occupancy with a room count, children's ages as ``CH``
paxes. Hotelbeds answers net prices; the traveler's price adds ``markup_percent``. Errors come
in two forms: the gateway's ``{"error": "<text>"}`` (a 401 or 403 for keys and signatures,
or a 403 "Developer Over QPS" when throttled, told apart by ``X-Mashery-Error-Code``) and the
API's ``{auditData, error: {code, message}}``; ``error_from`` is the one place where both
become ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.hotelbeds_hotels import normalize_hotelbeds_hotels, occupancy_groups
from guidera_grpc.normalizers.hotels import Stay
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
from guidera_grpc.search.params import HotelSearch

CODE: Final = "hotelbeds"
HOTELS_PATH: Final = "/hotel-api/1.0/hotels"
DEFAULT_MARKUP_PERCENT: Final = Decimal("17.5")
ERROR_CODE_HEADER: Final = "X-Mashery-Error-Code"


class HotelbedsHotels:
    """The Hotelbeds hotel adapter (``HotelProvider``), selling net rates plus a markup."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        markup_percent: Decimal = DEFAULT_MARKUP_PERCENT,
        max_hotels: int | None = None,
    ) -> None:
        if not Decimal(0) <= markup_percent < Decimal(100):
            raise ValueError(f"markup_percent must be from 0 to under 100, not {markup_percent}")
        self._session = session
        self._base_url = settings.hotelbeds_base_url.rstrip("/")
        self._api_key = settings.hotelbeds_api_key
        self._secret = settings.hotelbeds_secret
        self._markup_percent = markup_percent
        self._max_hotels = max_hotels

    async def search_hotels(
        self, search: HotelSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        api_key = require_secret(CODE, self._api_key, "HOTELBEDS_API_KEY")
        secret = require_secret(CODE, self._secret, "HOTELBEDS_SECRET")
        deadline = Deadline(CODE, timeout_s)
        stay = Stay.of(search)

        headers = hotelbeds_headers(api_key, secret)
        body = _request_body(stay, self._max_hotels)
        call = Call("POST", f"{self._base_url}{HOTELS_PATH}", headers, json=body)
        reply = await exchange(self._session, CODE, call, deadline)
        if not reply.ok:
            raise error_from(reply, (api_key, secret, headers["X-Signature"]))

        return normalize_hotelbeds_hotels(
            decode_json(CODE, reply), stay, markup_percent=self._markup_percent
        )


def _request_body(stay: Stay, max_hotels: int | None) -> dict[str, Any]:
    occupancies = [
        {
            "rooms": rooms,
            "adults": adults,
            "children": len(ages),
            "paxes": [{"type": "CH", "age": age} for age in ages],
        }
        for (adults, ages), rooms in occupancy_groups(stay.rooms).items()
    ]
    body: dict[str, Any] = {
        "stay": {"checkIn": stay.check_in.isoformat(), "checkOut": stay.check_out.isoformat()},
        "occupancies": occupancies,
        "destination": {"code": stay.city_code},
    }
    if max_hotels is not None:
        body["filter"] = {"maxHotels": max_hotels}
    return body


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a Hotelbeds error answer becomes ours; ``secrets`` are scrubbed."""
    message = redact(_describe(reply), secrets)
    status = reply.status
    gateway_code = reply.headers.get(ERROR_CODE_HEADER, "").upper()
    text = message.lower()

    if status == 429 or "OVER_QPS" in gateway_code or "over qps" in text:
        return RateLimitedError(
            CODE, message, http_status=status, retry_after=retry_after_s(reply.headers)
        )
    if "OVER_RATE" in gateway_code or "over rate" in text:
        return QuotaExceededError(CODE, message, http_status=status)
    if status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _describe(reply: Reply) -> str:
    """``HTTP 400 INVALID_DATA: <message>`` from whichever of the error forms came back."""
    body = lenient_json(reply)
    head = f"HTTP {reply.status}"
    if not isinstance(body, Mapping):
        return f"{head}: {clip(reply.text(), 120)}" if reply.body else head
    error = body.get("error")
    if isinstance(error, str):
        return clip(f"{head}: {error}")
    detail = error if isinstance(error, Mapping) else body
    code, text = detail.get("code") or "", detail.get("message") or ""
    return clip(f"{head} {code}: {text}".replace(" :", ":"))

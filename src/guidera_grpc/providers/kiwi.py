"""Kiwi.com Tequila flight search: ``GET /v2/search`` with the partner key in an ``apikey`` header.

Dates go as ``dd/mm/YYYY`` with one exact day (``date_from`` = ``date_to``, likewise
``return_from`` = ``return_to`` for a return). Tequila answers errors as
``{"status": "<reason phrase>", "error": "<message>"}`` or as plain text, and an unknown key as
"unknown partner provided" (with a 400 or a 403); ``error_from`` is the one place where these
become ours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Final

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import KIWI_CABINS, cabin_code
from guidera_grpc.normalizers.kiwi_flights import normalize_kiwi_flights
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

CODE: Final = "kiwi"
SEARCH_PATH: Final = "/v2/search"
UNKNOWN_PARTNER: Final = "unknown partner provided"


class KiwiFlights:
    """The Kiwi.com flight adapter (``FlightProvider``)."""

    code = CODE

    def __init__(
        self, session: aiohttp.ClientSession, settings: Settings, *, max_offers: int = 50
    ) -> None:
        self._session = session
        self._base_url = settings.kiwi_base_url.rstrip("/")
        self._api_key = settings.kiwi_api_key
        self._max_offers = max_offers

    async def search_flights(
        self, search: FlightSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        api_key = require_secret(CODE, self._api_key, "KIWI_API_KEY")
        _check_supported(search)
        deadline = Deadline(CODE, timeout_s)

        reply = await exchange(self._session, CODE, self._search_call(search, api_key), deadline)
        if not reply.ok:
            raise error_from(reply, (api_key,))
        body = decode_json(CODE, reply)
        if isinstance(body, Mapping) and "error" in body and "data" not in body:
            raise error_from(reply, (api_key,))

        return normalize_kiwi_flights(body, received_at=dt.datetime.now(dt.UTC))

    def _search_call(self, search: FlightSearch, api_key: str) -> Call:
        headers = {"apikey": api_key, "Accept": "application/json"}
        return Call(
            "GET",
            f"{self._base_url}{SEARCH_PATH}",
            headers,
            params=_search_params(search, self._max_offers),
        )


def _check_supported(search: FlightSearch) -> None:
    """One-way and return only: ``/v2/search`` has no form for other itineraries."""
    if len(search.slices) > 2 or (len(search.slices) == 2 and not search.is_round_trip):
        raise InvalidRequestError(CODE, "only one-way and return searches are supported")


def _search_params(search: FlightSearch, max_offers: int) -> dict[str, str]:
    outbound = search.slices[0]
    day = _kiwi_date(outbound.departure_date)
    params = {
        "fly_from": outbound.origin,
        "fly_to": outbound.destination,
        "date_from": day,
        "date_to": day,
        "adults": str(search.adults),
        "children": str(len(search.child_ages)),
        "infants": str(search.infants),
        "selected_cabins": cabin_code(KIWI_CABINS, search.cabin),
        "curr": search.currency,
        "limit": str(max_offers),
    }
    if search.is_round_trip:
        back = _kiwi_date(search.slices[1].departure_date)
        params |= {"return_from": back, "return_to": back}
    if search.max_connections is not None:
        params["max_stopovers"] = str(search.max_connections)
    return params


def _kiwi_date(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a Kiwi error answer becomes ours; ``secrets`` are scrubbed."""
    message = redact(_describe(reply), secrets)
    status = reply.status

    if UNKNOWN_PARTNER in message.lower() or status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if status == 429:
        return RateLimitedError(CODE, message, retry_after=retry_after_s(reply.headers))
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _describe(reply: Reply) -> str:
    """``HTTP 400 Bad Request: <error>`` from the JSON shape, or the plain-text body."""
    body = lenient_json(reply)
    if isinstance(body, Mapping):
        reason = body.get("status") or ""
        text = body.get("error") or body.get("message") or ""
    else:
        reason, text = "", reply.text()
    head = f"HTTP {reply.status} {reason}".strip()
    return clip(f"{head}: {text}") if text else head

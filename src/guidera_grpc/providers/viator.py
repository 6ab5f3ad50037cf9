"""Viator product search: ``POST /products/search``, or ``POST /search/freetext`` with words.

Every call carries the key in ``exp-api-key`` and the API version in ``Accept:
application/json;version=2.0``. Viator filters by its own destination ids, so the adapter
first reads the destinations list (``GET /v1/taxonomy/destinations``) once, keeps it for a
day, and maps a city to the destination whose ``iataCode`` is the city's code or one of its
airports'; a city Viator does not list gets no offers rather than an error.

Errors come as ``{code, message, timestamp, trackingId}``. An unknown key is echoed back in
the message, so every message is scrubbed before it is kept. ``error_from`` is the one place
where these become ours.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.experiences import Visit
from guidera_grpc.normalizers.viator_experiences import (
    normalize_viator_experiences,
    viator_destination_ids,
)
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
    acquire_within,
    clip,
    decode_json,
    exchange,
    lenient_json,
    redact,
    require_secret,
    retry_after_s,
)
from guidera_grpc.reference.airports import lookup_airport, resolve_city
from guidera_grpc.search.params import ExperienceSearch

CODE: Final = "viator"
PRODUCTS_PATH: Final = "/products/search"
FREETEXT_PATH: Final = "/search/freetext"
DESTINATIONS_PATH: Final = "/v1/taxonomy/destinations"
KEY_HEADER: Final = "exp-api-key"
VERSIONED_JSON: Final = "application/json;version=2.0"
MAX_PAGE: Final = 50
#: Currencies Viator prices in; any other search is priced in euros.
_CURRENCY_CODES: Final = "AUD BRL CAD CHF DKK EUR GBP HKD INR JPY NOK NZD SEK SGD TWD USD ZAR"
CURRENCIES: Final = frozenset(_CURRENCY_CODES.split())
FALLBACK_CURRENCY: Final = "EUR"
#: Viator asks for about two seconds of calm after a 429 that says nothing more.
DEFAULT_RETRY_AFTER_S: Final = 2.0

logger = logging.getLogger(__name__)


class ViatorExperiences:
    """The Viator experience adapter (``ExperienceProvider``)."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        max_offers: int = 50,
        destinations_ttl_s: float = 86_400.0,
    ) -> None:
        self._session = session
        self._base_url = settings.viator_base_url.rstrip("/")
        self._api_key = settings.viator_api_key
        self._max_offers = max(1, min(MAX_PAGE, max_offers))
        self._destinations_ttl_s = destinations_ttl_s
        self._destinations: dict[str, str] = {}
        self._loaded_at: float | None = None
        self._loading = asyncio.Lock()

    async def search_experiences(
        self, search: ExperienceSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        key = require_secret(CODE, self._api_key, "VIATOR_API_KEY")
        deadline = Deadline(CODE, timeout_s)
        visit = Visit.of(search)
        if visit.currency not in CURRENCIES:
            visit = dataclasses.replace(visit, currency=FALLBACK_CURRENCY)

        destination = await self._destination(search.city_code, key, deadline)
        if destination is None:
            logger.info(
                "no Viator destination for the city",
                extra={"fields": {"provider": CODE, "city": search.city_code}},
            )
            return []
        reply = await exchange(
            self._session, CODE, self._search_call(search, visit, destination, key), deadline
        )
        if not reply.ok:
            raise error_from(reply, (key,))

        return normalize_viator_experiences(decode_json(CODE, reply), visit)

    async def _destination(self, city_code: str, key: str, deadline: Deadline) -> str | None:
        ids = await self._destination_ids(key, deadline)
        return next((ids[code] for code in _codes_of(city_code) if code in ids), None)

    async def _destination_ids(self, key: str, deadline: Deadline) -> dict[str, str]:
        """The destinations list, read once a day; concurrent searches share one read."""
        if self._fresh():
            return self._destinations
        await acquire_within(self._loading, deadline)
        try:
            if not self._fresh():
                call = Call("GET", f"{self._base_url}{DESTINATIONS_PATH}", _headers(key))
                reply = await exchange(self._session, CODE, call, deadline)
                if not reply.ok:
                    raise error_from(reply, (key,))
                self._destinations = viator_destination_ids(decode_json(CODE, reply))
                self._loaded_at = time.monotonic()
        finally:
            self._loading.release()
        return self._destinations

    def _fresh(self) -> bool:
        loaded = self._loaded_at
        return loaded is not None and time.monotonic() - loaded < self._destinations_ttl_s

    def _search_call(
        self, search: ExperienceSearch, visit: Visit, destination: str, key: str
    ) -> Call:
        headers = {**_headers(key), "Content-Type": VERSIONED_JSON}
        text = search.text.strip()
        path, body = (
            (FREETEXT_PATH, self._freetext_body(search, visit, destination, text))
            if text
            else (PRODUCTS_PATH, self._products_body(search, visit, destination))
        )
        return Call("POST", f"{self._base_url}{path}", headers, json=body)

    def _products_body(
        self, search: ExperienceSearch, visit: Visit, destination: str
    ) -> dict[str, Any]:
        return {
            "filtering": {
                "destination": destination,
                "startDate": search.from_date.isoformat(),
                "endDate": search.to_date.isoformat(),
            },
            "sorting": {"sort": "DEFAULT"},
            "pagination": {"start": 1, "count": self._max_offers},
            "currency": visit.currency,
        }

    def _freetext_body(
        self, search: ExperienceSearch, visit: Visit, destination: str, text: str
    ) -> dict[str, Any]:
        return {
            "searchTerm": text,
            "productFiltering": {
                "destination": destination,
                "dateRange": {
                    "from": search.from_date.isoformat(),
                    "to": search.to_date.isoformat(),
                },
            },
            "productSorting": {"sort": "DEFAULT"},
            "searchTypes": [
                {"searchType": "PRODUCTS", "pagination": {"start": 1, "count": self._max_offers}}
            ],
            "currency": visit.currency,
        }


def _headers(key: str) -> dict[str, str]:
    return {KEY_HEADER: key, "Accept": VERSIONED_JSON, "Accept-Language": "en-US"}


def _codes_of(city_code: str) -> list[str]:
    """The codes Viator may list a city under: the code, its city's code, the airports'."""
    code = city_code.strip().upper()
    airport = lookup_airport(code)
    city = airport.city_code if airport else code
    airports = [found.iata for found in resolve_city(city)]
    return list(dict.fromkeys([code, city, *airports]))


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a Viator error answer becomes ours; ``secrets`` are scrubbed."""
    body = lenient_json(reply)
    message = redact(_describe(reply, body), secrets)
    status = reply.status

    if status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if status == 429:
        retry_after = retry_after_s(reply.headers) or DEFAULT_RETRY_AFTER_S
        return RateLimitedError(CODE, message, retry_after=retry_after)
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _describe(reply: Reply, body: object) -> str:
    """``HTTP 401: UNAUTHORIZED: ... [tracking ...]``, or the start of another body."""
    if isinstance(body, Mapping) and (body.get("code") or body.get("message")):
        parts = [f"HTTP {reply.status}: {body.get('code') or 'ERROR'}: {body.get('message') or ''}"]
        tracking = body.get("trackingId") or reply.headers.get("X-Unique-ID")
        if tracking:
            parts.append(f"[tracking {tracking}]")
        return clip(" ".join(parts))
    text = clip(reply.text(), 120) if reply.body else ""
    return f"HTTP {reply.status}: {text}" if text else f"HTTP {reply.status}"

"""GetYourGuide tour search: ``GET /1/tours`` with the partner token in ``X-ACCESS-TOKEN``.

The place goes in ``q``: ``iata:rom`` alone, or the city's name followed by the words looked
for (``Rome colosseum``), since ``q`` is GetYourGuide's place and text search at once and may
not be combined with ``coordinates[]``. Dates go as two ``date[]`` local date-times, from the
first day's start to the last day's end. The start times of the first few tours come from
``GET /1/tours/{id}/availabilities``, asked in parallel with part of the time left; a tour
whose times cannot be had in that time keeps none, and the search still succeeds.

Errors 400, 401 and 404 come as ``{..., status: "ERROR", errors: [{errorCode, errorMessage}]}``
(``errorCode`` 25 for a bad token); 403, 429 and 500 carry no useful body. ``error_from`` is
the one place where they become ours.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Final

import aiohttp
from guidera.v1 import offer_pb2
from yarl import URL

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.experiences import Visit
from guidera_grpc.normalizers.getyourguide_experiences import (
    getyourguide_time_slots,
    normalize_getyourguide_experiences,
    tour_ids,
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
    clip,
    decode_json,
    exchange,
    lenient_json,
    redact,
    require_secret,
    retry_after_s,
)
from guidera_grpc.search.params import ExperienceSearch

CODE: Final = "getyourguide"
TOURS_PATH: Final = "/1/tours"
AVAILABILITIES_PATH: Final = "/1/tours/{tour_id}/availabilities"
TOKEN_HEADER: Final = "X-ACCESS-TOKEN"
LANGUAGE: Final = "en"
UNAUTHORIZED_CODE: Final = 25
#: Currencies GetYourGuide prices in; any other search is priced in euros.
_CURRENCY_CODES: Final = (
    "AED ARS AUD BGN CAD CHF CLP CNY COP CZK DKK EGP EUR GBP HKD HRK HUF IDR ILS INR JPY KRW "
    "MAD MXN MYR NOK NZD PHP PLN RON RUB SEK SGD THB TRY UAH USD UYU VND ZAR"
)
CURRENCIES: Final = frozenset(_CURRENCY_CODES.split())
FALLBACK_CURRENCY: Final = "EUR"
#: Share of the time left that start-time lookups may use; the rest is kept in reserve.
SLOT_TIME_SHARE: Final = 0.5
MIN_SLOT_TIME_S: Final = 0.2

logger = logging.getLogger(__name__)


class GetYourGuideExperiences:
    """The GetYourGuide experience adapter (``ExperienceProvider``)."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        max_offers: int = 50,
        slot_lookups: int = 5,
    ) -> None:
        self._session = session
        self._base_url = settings.getyourguide_base_url.rstrip("/")
        self._token = settings.getyourguide_access_token
        self._max_offers = max_offers
        self._slot_lookups = slot_lookups

    async def search_experiences(
        self, search: ExperienceSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        token = require_secret(CODE, self._token, "GETYOURGUIDE_ACCESS_TOKEN")
        deadline = Deadline(CODE, timeout_s)
        visit = Visit.of(search)
        if visit.currency not in CURRENCIES:
            visit = dataclasses.replace(visit, currency=FALLBACK_CURRENCY)

        query = _tours_query(search, visit, self._max_offers)
        call = Call(
            "GET", _with_query(f"{self._base_url}{TOURS_PATH}", query), self._headers(token)
        )
        reply = await exchange(self._session, CODE, call, deadline)
        if not reply.ok:
            raise error_from(reply, (token,))
        body = decode_json(CODE, reply)
        if _is_error(body):
            raise error_from(reply, (token,))

        wanted = tour_ids(body)[: self._slot_lookups]
        slots = await self._time_slots(wanted, search, visit, token, deadline)
        return normalize_getyourguide_experiences(body, visit, slots=slots)

    async def _time_slots(
        self,
        ids: list[str],
        search: ExperienceSearch,
        visit: Visit,
        token: str,
        deadline: Deadline,
    ) -> dict[str, list[offer_pb2.TimeSlot]]:
        """Start times of the first tours, asked in parallel within part of the time left."""
        budget = _slot_budget(deadline)
        if not ids or budget < MIN_SLOT_TIME_S:
            return {}
        lookups = Deadline(CODE, budget)
        found = await asyncio.gather(
            *(self._slots_of(tour_id, search, visit, token, lookups) for tour_id in ids)
        )
        return {tour_id: slots for tour_id, slots in zip(ids, found, strict=True) if slots}

    async def _slots_of(
        self,
        tour_id: str,
        search: ExperienceSearch,
        visit: Visit,
        token: str,
        deadline: Deadline,
    ) -> list[offer_pb2.TimeSlot]:
        path = AVAILABILITIES_PATH.format(tour_id=tour_id)
        query = [("cnt_language", LANGUAGE), ("currency", visit.currency), *_dates(search)]
        call = Call("GET", _with_query(f"{self._base_url}{path}", query), self._headers(token))
        try:
            reply = await exchange(self._session, CODE, call, deadline)
            if not reply.ok:
                raise error_from(reply, (token,))
            return getyourguide_time_slots(decode_json(CODE, reply))
        except ProviderError as error:
            logger.info(
                "start times not available",
                extra={"fields": {"provider": CODE, "tour_id": tour_id, "error": error.code}},
            )
            return []

    @staticmethod
    def _headers(token: str) -> dict[str, str]:
        return {TOKEN_HEADER: token, "Accept": "application/json"}


def _tours_query(search: ExperienceSearch, visit: Visit, limit: int) -> list[tuple[str, str]]:
    """The query of a tour search: place and words in ``q``, then dates, size and order."""
    city = visit.city
    text = search.text.strip()
    q = f"{city.city_name} {text}" if text else f"iata:{city.city_code.lower()}"
    return [
        ("cnt_language", LANGUAGE),
        ("currency", visit.currency),
        ("q", q),
        *_dates(search),
        ("limit", str(limit)),
        ("sortfield", "popularity"),
        ("sortdirection", "DESC"),
    ]


def _dates(search: ExperienceSearch) -> list[tuple[str, str]]:
    """``date[]`` twice: the first day's start and the last day's end (local, no offset)."""
    first = dt.datetime.combine(search.from_date, dt.time(0, 0))
    last = dt.datetime.combine(search.to_date, dt.time(23, 59, 59))
    return [("date[]", first.isoformat()), ("date[]", last.isoformat())]


def _with_query(url: str, query: list[tuple[str, str]]) -> str:
    """``url`` with a query of repeated keys, which a mapping of parameters cannot hold."""
    return str(URL(url).with_query(query))


def _slot_budget(deadline: Deadline) -> float:
    try:
        return deadline.remaining() * SLOT_TIME_SHARE
    except ProviderError:
        return 0.0


def _is_error(body: object) -> bool:
    return isinstance(body, Mapping) and body.get("status") == "ERROR"


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a GetYourGuide error answer becomes ours; ``secrets`` are scrubbed."""
    code, text = _first_error(lenient_json(reply))
    message = redact(_describe(reply, code, text), secrets)
    status = reply.status

    if status in (401, 403) or code == UNAUTHORIZED_CODE:
        return AuthenticationError(CODE, message, http_status=status)
    if status == 429:
        return RateLimitedError(CODE, message, retry_after=retry_after_s(reply.headers))
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _first_error(body: object) -> tuple[int | None, str]:
    """``errors`` is an array in answers and an object in the spec: read either."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    first = errors[0] if isinstance(errors, list) and errors else errors
    if not isinstance(first, Mapping):
        return None, ""
    code = first.get("errorCode")
    number = int(code) if isinstance(code, int | float) and not isinstance(code, bool) else None
    return number, str(first.get("errorMessage") or "")


def _describe(reply: Reply, code: int | None, text: str) -> str:
    """``HTTP 401: error 25: Unauthorized ...``, or the start of a body without that shape."""
    if text:
        prefix = f"error {code}: " if code is not None else ""
        return clip(f"HTTP {reply.status}: {prefix}{text}")
    body = clip(reply.text(), 120) if reply.body else ""
    return f"HTTP {reply.status}: {body}" if body else f"HTTP {reply.status}"

"""Expedia Rapid v3 hotel search: geography, content and availability, signed with SHA-512.

Availability prices properties by id, so a search first needs the city's property ids
(``GET /v3/regions`` by IATA code, ``include=property_ids``), then asks in parallel for their
content (names, addresses, coordinates, ratings) and their availability, each in batches of at
most 250 ids. Ids and content of a city are kept in memory for a few minutes, after which a
search is a single availability call. Every call carries
``Authorization: EAN APIKey=…,Signature=…,timestamp=…`` with the hex SHA-512 of key, shared
secret and the current Unix time. Rapid's errors are ``{type, message, errors[]}``; its 401
echoes the key and signature, which never reach our messages. ``error_from`` is the one place
where they become ours.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import aiohttp
from guidera.v1 import offer_pb2
from yarl import URL

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.common import Json, as_mapping
from guidera_grpc.normalizers.expedia_hotels import normalize_expedia_hotels, occupancy_key
from guidera_grpc.normalizers.hotels import Stay
from guidera_grpc.providers.city_cache import DEFAULT_TTL_S, CityCache
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    MalformedResponseError,
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
from guidera_grpc.search.params import HotelSearch

CODE: Final = "expedia"
REGIONS_PATH: Final = "/v3/regions"
CONTENT_PATH: Final = "/v3/properties/content"
AVAILABILITY_PATH: Final = "/v3/properties/availability"
BATCH: Final = 250
CITY_REGION_TYPES: Final = frozenset({"city", "multi_city_vicinity"})
USER_AGENT: Final = "Guidera/1.0"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Credentials:
    api_key: str
    shared_secret: str

    def headers(self, now: float | None = None) -> dict[str, str]:
        """The signed headers of one call."""
        timestamp = str(int(time.time() if now is None else now))
        signed = f"{self.api_key}{self.shared_secret}{timestamp}".encode()
        signature = hashlib.sha512(signed).hexdigest()
        authorization = f"APIKey={self.api_key},Signature={signature},timestamp={timestamp}"
        return {
            "Authorization": f"EAN {authorization}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "User-Agent": USER_AGENT,
        }

    def secrets(self) -> tuple[str, str]:
        """What must never appear in a message."""
        return self.api_key, self.shared_secret


@dataclass(frozen=True, slots=True)
class _CityContent:
    """A city's property ids and their content, as kept between searches."""

    ids: tuple[str, ...]
    content: Mapping[str, Json]


class ExpediaHotels:
    """The Expedia Rapid hotel adapter (``HotelProvider``)."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        content_ttl_s: float = DEFAULT_TTL_S,
        language: str = "en-US",
        point_of_sale: str = "US",
        sales_channel: str = "website",
    ) -> None:
        self._session = session
        self._base_url = settings.expedia_base_url.rstrip("/")
        self._api_key = settings.expedia_api_key
        self._shared_secret = settings.expedia_shared_secret
        self._cities: CityCache[_CityContent] = CityCache(content_ttl_s)
        self._language = language
        self._point_of_sale = point_of_sale
        self._sales_channel = sales_channel

    async def search_hotels(
        self, search: HotelSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        credentials = _Credentials(
            require_secret(CODE, self._api_key, "EXPEDIA_API_KEY"),
            require_secret(CODE, self._shared_secret, "EXPEDIA_SHARED_SECRET"),
        )
        deadline = Deadline(CODE, timeout_s)
        stay = Stay.of(search)

        known = self._cities.get(stay.city_code)
        if known is None:
            ids = await self._property_ids(stay.city_code, credentials, deadline)
            if not ids:
                return []
            content, available = await _both(
                self._content(ids, credentials, deadline),
                self._availability(ids, search, credentials, deadline),
            )
            known = _CityContent(ids, content)
            self._cities.put(stay.city_code, known)
        else:
            available = await self._availability(known.ids, search, credentials, deadline)

        return normalize_expedia_hotels(available, known.content, stay)

    async def _property_ids(
        self, city: str, credentials: _Credentials, deadline: Deadline
    ) -> tuple[str, ...]:
        params = [
            ("include", "standard"),
            ("include", "property_ids"),
            ("iata_location_code", city),
            ("language", self._language),
        ]
        body = await self._get(REGIONS_PATH, params, credentials, deadline)
        if not isinstance(body, list):
            raise MalformedResponseError(CODE, "expected the regions answer to be an array")
        regions = [as_mapping(region) for region in body]
        chosen = [r for r in regions if r.get("type") in CITY_REGION_TYPES] or regions
        ids = (str(pid) for region in chosen for pid in region.get("property_ids") or [])
        return tuple(dict.fromkeys(ids))

    async def _content(
        self, ids: Sequence[str], credentials: _Credentials, deadline: Deadline
    ) -> dict[str, Json]:
        batches = await _each(
            self._get(
                CONTENT_PATH,
                [("language", self._language), ("supply_source", "expedia")]
                + [("property_id", pid) for pid in batch],
                credentials,
                deadline,
            )
            for batch in _batches(ids)
        )
        content: dict[str, Json] = {}
        for body in batches:
            if not isinstance(body, Mapping):
                raise MalformedResponseError(CODE, "expected the content answer to be an object")
            content.update({str(pid): as_mapping(info) for pid, info in body.items()})
        return content

    async def _availability(
        self,
        ids: Sequence[str],
        search: HotelSearch,
        credentials: _Credentials,
        deadline: Deadline,
    ) -> list[Any]:
        shared = self._shopping_params(search)
        batches = await _each(
            self._get(
                AVAILABILITY_PATH,
                shared + [("property_id", pid) for pid in batch],
                credentials,
                deadline,
            )
            for batch in _batches(ids)
        )
        found: list[Any] = []
        for body in batches:
            if not isinstance(body, list):
                raise MalformedResponseError(
                    CODE, "expected the availability answer to be an array"
                )
            found.extend(body)
        return found

    def _shopping_params(self, search: HotelSearch) -> list[tuple[str, str]]:
        return [
            ("checkin", search.check_in.isoformat()),
            ("checkout", search.check_out.isoformat()),
            ("currency", search.currency),
            ("country_code", self._point_of_sale),
            ("language", self._language),
            *(("occupancy", occupancy_key(room)) for room in search.rooms),
            ("rate_plan_count", str(BATCH)),
            ("sales_channel", self._sales_channel),
            ("sales_environment", "hotel_only"),
        ]

    async def _get(
        self,
        path: str,
        params: list[tuple[str, str]],
        credentials: _Credentials,
        deadline: Deadline,
    ) -> Any:
        url = URL(f"{self._base_url}{path}").with_query(params)
        call = Call("GET", str(url), credentials.headers())
        reply = await exchange(self._session, CODE, call, deadline)
        if not reply.ok:
            raise error_from(reply, credentials.secrets())
        return decode_json(CODE, reply)


def _batches(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]


async def _each(calls: Iterable[Awaitable[T]]) -> list[T]:
    """Every call's result; the first failure cancels the others and is raised."""
    tasks = [asyncio.ensure_future(call) for call in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _both(first: Awaitable[T], second: Awaitable[Any]) -> tuple[T, Any]:
    """Two calls at once; the first failure cancels the other and is raised."""
    one, two = await _each([first, second])
    return one, two


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a Rapid error answer becomes ours; ``secrets`` are scrubbed."""
    message = redact(_describe(reply), secrets)
    status = reply.status

    if status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if status == 429:
        return RateLimitedError(CODE, message, retry_after=_retry_after(reply))
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _retry_after(reply: Reply) -> float | None:
    """Seconds until the minute window resets (epoch milliseconds), else ``Retry-After``."""
    reset = reply.headers.get("Rate-Limit-Minute-Reset", "").strip()
    if reset.isdigit():
        return max(0.0, int(reset) / 1000 - time.time())
    return retry_after_s(reply.headers)


def _describe(reply: Reply) -> str:
    """``HTTP 400 invalid_input: <message> (checkin.invalid_date_format)`` from Rapid's body."""
    body = lenient_json(reply)
    head = f"HTTP {reply.status}"
    if not isinstance(body, Mapping):
        return f"{head}: {clip(reply.text(), 120)}" if reply.body else head
    nested = [as_mapping(e).get("type") for e in body.get("errors") or []]
    kinds = ", ".join(str(kind) for kind in nested if kind)
    text = f"{head} {body.get('type', '')}: {body.get('message', '')}"
    return clip(f"{text} ({kinds})" if kinds else text)

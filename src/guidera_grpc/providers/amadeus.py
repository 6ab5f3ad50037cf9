"""Amadeus Self-Service flight search: OAuth2 client credentials, Flight Offers Search v2.

One-way and return searches use ``GET /v2/shopping/flight-offers``; anything else (more than
two slices, or a second slice that is not the way back) uses the POST form of the same
resource with ``X-HTTP-Method-Override: GET`` and ``originDestinations``.

The access token is fetched once and shared by concurrent searches (one fetch behind a lock),
and refreshed 30 s before it expires. When Amadeus refuses it anyway (401 with 38190 invalid,
38192 expired or 38193 revoked), the token is fetched again and the search sent once more;
any other refusal is final. Every Amadeus error answer becomes ours in ``error_from`` alone:
the flat OAuth shape (``{"error", "error_description", "code"}``) and ``{"errors": [...]}``
whose ``code`` and ``status`` may be strings or numbers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import aiohttp
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.amadeus_flights import normalize_amadeus_flights
from guidera_grpc.normalizers.common import AMADEUS_CABINS, cabin_code
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    MalformedResponseError,
    ProviderError,
    QuotaExceededError,
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
from guidera_grpc.search.params import FlightSearch

CODE: Final = "amadeus"
TOKEN_PATH: Final = "/v1/security/oauth2/token"
SEARCH_PATH: Final = "/v2/shopping/flight-offers"
REFRESH_MARGIN_S: Final = 30.0
#: 401 codes that mean "this token is no good, get another": invalid, expired, revoked.
STALE_TOKEN_CODES: Final = frozenset({38190, 38192, 38193})
QUOTA_EXCEEDED_CODE: Final = 38195


@dataclass(frozen=True, slots=True)
class _Credentials:
    client_id: str
    client_secret: str

    def secrets(self) -> tuple[str, str]:
        """What must never appear in a message."""
        return self.client_id, self.client_secret


class _AccessToken:
    """One bearer token shared by every search, fetched once and refreshed before it expires."""

    def __init__(self, refresh_margin_s: float) -> None:
        self._refresh_margin_s = refresh_margin_s
        self._value: str | None = None
        self._refresh_at = 0.0
        self._lock = asyncio.Lock()

    def current(self) -> str | None:
        """The token while it is fresh enough to use, else None."""
        if self._value is not None and time.monotonic() < self._refresh_at:
            return self._value
        return None

    def store(self, value: str, expires_in_s: float) -> None:
        """Keep ``value`` until the refresh margin before Amadeus says it expires."""
        self._value = value
        self._refresh_at = time.monotonic() + max(0.0, expires_in_s - self._refresh_margin_s)

    def discard(self, value: str) -> None:
        """Forget ``value`` if it is still the current token (a newer one is kept)."""
        if self._value == value:
            self._value = None

    @property
    def lock(self) -> asyncio.Lock:
        """Held while a token is fetched, so that concurrent searches share one fetch."""
        return self._lock


class AmadeusFlights:
    """The Amadeus flight adapter (``FlightProvider``)."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        max_offers: int = 50,
        token_refresh_margin_s: float = REFRESH_MARGIN_S,
    ) -> None:
        self._session = session
        self._base_url = settings.amadeus_base_url.rstrip("/")
        self._client_id = settings.amadeus_client_id
        self._client_secret = settings.amadeus_client_secret
        self._max_offers = max_offers
        self._token = _AccessToken(token_refresh_margin_s)

    async def search_flights(
        self, search: FlightSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        credentials = self._credentials()
        deadline = Deadline(CODE, timeout_s)

        token = await self._access_token(credentials, deadline)
        reply = await exchange(self._session, CODE, self._search_call(search, token), deadline)
        if is_stale_token(reply):
            self._token.discard(token)
            token = await self._access_token(credentials, deadline)
            reply = await exchange(self._session, CODE, self._search_call(search, token), deadline)
        if not reply.ok:
            raise error_from(reply, (*credentials.secrets(), token))

        offers = normalize_amadeus_flights(decode_json(CODE, reply))
        return _within_connections(offers, search.max_connections)

    def _credentials(self) -> _Credentials:
        return _Credentials(
            require_secret(CODE, self._client_id, "AMADEUS_CLIENT_ID"),
            require_secret(CODE, self._client_secret, "AMADEUS_CLIENT_SECRET"),
        )

    async def _access_token(self, credentials: _Credentials, deadline: Deadline) -> str:
        """The shared token; the first caller to find it stale fetches, the others wait."""
        if (token := self._token.current()) is not None:
            return token
        await acquire_within(self._token.lock, deadline)
        try:
            if (token := self._token.current()) is not None:
                return token
            token, expires_in_s = await self._fetch_token(credentials, deadline)
            self._token.store(token, expires_in_s)
            return token
        finally:
            self._token.lock.release()

    async def _fetch_token(
        self, credentials: _Credentials, deadline: Deadline
    ) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
        }
        call = Call(
            "POST", f"{self._base_url}{TOKEN_PATH}", {"Accept": "application/json"}, form=form
        )
        reply = await exchange(self._session, CODE, call, deadline)
        if not reply.ok:
            raise error_from(reply, credentials.secrets())

        body = decode_json(CODE, reply)
        token = body.get("access_token") if isinstance(body, Mapping) else None
        expires_in = body.get("expires_in") if isinstance(body, Mapping) else None
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise MalformedResponseError(CODE, "token answer lacks access_token or expires_in")
        return token, float(expires_in)

    def _search_call(self, search: FlightSearch, token: str) -> Call:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        url = f"{self._base_url}{SEARCH_PATH}"
        if _needs_post(search):
            headers |= {"X-HTTP-Method-Override": "GET", "Content-Type": "application/json"}
            return Call("POST", url, headers, json=_search_body(search, self._max_offers))
        return Call("GET", url, headers, params=_search_params(search, self._max_offers))


def _needs_post(search: FlightSearch) -> bool:
    """Whether the search is neither one-way nor a plain return, which GET cannot express."""
    return len(search.slices) > 2 or (len(search.slices) == 2 and not search.is_round_trip)


def _search_params(search: FlightSearch, max_offers: int) -> dict[str, str]:
    """Query parameters of a one-way or return ``GET`` search."""
    outbound = search.slices[0]
    params = {
        "originLocationCode": outbound.origin,
        "destinationLocationCode": outbound.destination,
        "departureDate": outbound.departure_date.isoformat(),
        "adults": str(search.adults),
        "travelClass": cabin_code(AMADEUS_CABINS, search.cabin),
        "currencyCode": search.currency,
        "max": str(max_offers),
    }
    if search.is_round_trip:
        params["returnDate"] = search.slices[1].departure_date.isoformat()
    if search.child_ages:
        params["children"] = str(len(search.child_ages))
    if search.infants:
        params["infants"] = str(search.infants)
    if search.max_connections == 0:
        params["nonStop"] = "true"
    return params


def _search_body(search: FlightSearch, max_offers: int) -> dict[str, Any]:
    """Body of a multi-city ``POST`` search."""
    slice_ids = [str(number) for number, _ in enumerate(search.slices, start=1)]
    flight_filters: dict[str, Any] = {
        "cabinRestrictions": [
            {
                "cabin": cabin_code(AMADEUS_CABINS, search.cabin),
                "coverage": "MOST_SEGMENTS",
                "originDestinationIds": slice_ids,
            }
        ]
    }
    if search.max_connections is not None:
        flight_filters["connectionRestriction"] = {"maxNumberOfConnections": search.max_connections}
    return {
        "currencyCode": search.currency,
        "originDestinations": [
            {
                "id": slice_id,
                "originLocationCode": journey.origin,
                "destinationLocationCode": journey.destination,
                "departureDateTimeRange": {"date": journey.departure_date.isoformat()},
            }
            for slice_id, journey in zip(slice_ids, search.slices, strict=True)
        ],
        "travelers": _travelers(search),
        "sources": ["GDS"],
        "searchCriteria": {"maxFlightOffers": max_offers, "flightFilters": flight_filters},
    }


def _travelers(search: FlightSearch) -> list[dict[str, str]]:
    """Adults, then children, then infants, each infant held by an adult."""
    kinds = ["ADULT"] * search.adults + ["CHILD"] * len(search.child_ages)
    travelers = [{"id": str(n), "travelerType": kind} for n, kind in enumerate(kinds, start=1)]
    for infant in range(search.infants):
        travelers.append(
            {
                "id": str(len(travelers) + 1),
                "travelerType": "HELD_INFANT",
                "associatedAdultId": str(infant % max(search.adults, 1) + 1),
            }
        )
    return travelers


def _within_connections(
    offers: list[offer_pb2.Offer], max_connections: int | None
) -> list[offer_pb2.Offer]:
    """Offers whose every slice has at most ``max_connections`` connections (GET can't ask)."""
    if max_connections is None:
        return offers
    return [
        offer
        for offer in offers
        if all(len(s.segments) - 1 <= max_connections for s in offer.flight.slices)
    ]


def is_stale_token(reply: Reply) -> bool:
    """A 401 that a new token can cure (invalid, expired or revoked token)."""
    return reply.status == 401 and bool(_error_codes(lenient_json(reply)) & STALE_TOKEN_CODES)


def _error_codes(body: object) -> set[int]:
    """Every numeric ``code`` of an Amadeus error body, whichever shape, string or number."""
    if not isinstance(body, Mapping):
        return set()
    entries = [body, *(e for e in body.get("errors") or [] if isinstance(e, Mapping))]
    return {code for e in entries if (code := _as_int(e.get("code"))) is not None}


def _as_int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where an Amadeus error answer becomes ours; ``secrets`` are scrubbed."""
    body = lenient_json(reply)
    codes = _error_codes(body)
    message = redact(_describe(body, reply), secrets)
    status = reply.status

    if status == 429 and QUOTA_EXCEEDED_CODE in codes:
        return QuotaExceededError(CODE, message, http_status=status)
    if status == 429:
        return RateLimitedError(CODE, message, retry_after=retry_after_s(reply.headers))
    if status in (401, 403) or (
        isinstance(body, Mapping) and body.get("error") == "invalid_client"
    ):
        return AuthenticationError(CODE, message, http_status=status)
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _field(value: object, key: str) -> object:
    return value.get(key) if isinstance(value, Mapping) else None


def _describe(body: object, reply: Reply) -> str:
    """``HTTP 401: [38192] Access token expired`` from whichever error shape came back."""
    prefix = f"HTTP {reply.status}"
    if not isinstance(body, Mapping):
        return f"{prefix}: {clip(reply.text(), 120)}" if reply.body else prefix
    errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
    first = errors[0] if errors else body
    code = first.get("code")
    title = first.get("title") or first.get("error") or ""
    detail = first.get("detail") or first.get("error_description") or ""
    parameter = _field(first.get("source"), "parameter")
    parts = [f"[{code}]" if code is not None else "", str(title), str(detail)]
    if parameter:
        parts.append(f"(parameter {parameter})")
    return clip(f"{prefix}: {' '.join(p for p in parts if p)}")

"""Amadeus Self-Service hotel search: Hotel List by city, then Hotel Search v3 by hotel ids.

Search v3 prices hotels by id only, so a search first lists the city's hotels
(``GET /v1/reference-data/locations/hotels/by-city``, kept per city for a few minutes) and
then asks ``GET /v3/shopping/hotel-offers`` for up to ``max_hotels`` of them. v3 knows no
children: each room is asked for as many adults as it has guests, and ``roomQuantity`` rooms.

The login is the flight adapter's: one client id has one access token, fetched once and
refreshed before it expires, and fetched again once when Amadeus calls it stale. Errors are
translated by the flight adapter's ``error_from``; "nothing found" answers mean no offers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import aiohttp
from guidera.v1 import offer_pb2
from yarl import URL

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.amadeus_hotels import normalize_amadeus_hotels
from guidera_grpc.normalizers.common import Json, as_mapping, field_str
from guidera_grpc.normalizers.hotels import Stay
from guidera_grpc.providers.amadeus import AmadeusFlights, error_from, is_stale_token
from guidera_grpc.providers.city_cache import DEFAULT_TTL_S, CityCache
from guidera_grpc.providers.errors import MalformedResponseError
from guidera_grpc.providers.http import Call, Deadline, Reply, decode_json, exchange, lenient_json
from guidera_grpc.search.params import HotelSearch

CODE: Final = "amadeus"
HOTEL_LIST_PATH: Final = "/v1/reference-data/locations/hotels/by-city"
HOTEL_OFFERS_PATH: Final = "/v3/shopping/hotel-offers"
#: Answers that mean "no hotels" or "no rooms", not a failure.
NOTHING_FOUND_CODES: Final = frozenset({895, 3664})
MAX_GUESTS_PER_ROOM: Final = 9


class AmadeusHotels:
    """The Amadeus hotel adapter (``HotelProvider``)."""

    code = CODE

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        login: AmadeusFlights | None = None,
        max_hotels: int = 50,
        radius_km: int = 10,
        list_ttl_s: float = DEFAULT_TTL_S,
    ) -> None:
        """``login`` is the flight adapter whose access token to share; a private one if None."""
        self._session = session
        self._base_url = settings.amadeus_base_url.rstrip("/")
        self._login = login if login is not None else AmadeusFlights(session, settings)
        self._max_hotels = max_hotels
        self._radius_km = radius_km
        self._lists: CityCache[dict[str, Json]] = CityCache(list_ttl_s)

    async def search_hotels(
        self, search: HotelSearch, *, timeout_s: float
    ) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        login = _Login(self._login)
        deadline = Deadline(CODE, timeout_s)
        stay = Stay.of(search)

        hotels = self._lists.get(stay.city_code)
        if hotels is None:
            hotels = await self._hotel_list(stay.city_code, login, deadline)
            self._lists.put(stay.city_code, hotels)
        if not hotels:
            return []
        ids = list(hotels)[: self._max_hotels]
        reply = await login.send(self._session, self._offers_url(ids, search), deadline)
        if _nothing_found(reply):
            return []
        if not reply.ok:
            raise error_from(reply, login.secrets())

        return normalize_amadeus_hotels(decode_json(CODE, reply), stay, hotels)

    async def _hotel_list(self, city: str, login: _Login, deadline: Deadline) -> dict[str, Json]:
        params = {"cityCode": city, "radius": str(self._radius_km), "radiusUnit": "KM"}
        url = str(URL(f"{self._base_url}{HOTEL_LIST_PATH}").with_query(params))
        reply = await login.send(self._session, url, deadline)
        if _nothing_found(reply):
            return {}
        if not reply.ok:
            raise error_from(reply, login.secrets())
        body = decode_json(CODE, reply)
        data = body.get("data") if isinstance(body, Mapping) else None
        if not isinstance(data, list):
            raise MalformedResponseError(CODE, "expected the hotel list's 'data' to be an array")
        entries = (as_mapping(entry) for entry in data)
        return {hotel_id: e for e in entries if (hotel_id := field_str(e, "hotelId"))}

    def _offers_url(self, ids: Sequence[str], search: HotelSearch) -> str:
        guests = max(room.adults + len(room.child_ages) for room in search.rooms)
        params = {
            "hotelIds": ",".join(ids),
            "checkInDate": search.check_in.isoformat(),
            "checkOutDate": search.check_out.isoformat(),
            "adults": str(min(guests, MAX_GUESTS_PER_ROOM)),
            "roomQuantity": str(len(search.rooms)),
            "currency": search.currency,
            "bestRateOnly": "false",
        }
        return str(URL(f"{self._base_url}{HOTEL_OFFERS_PATH}").with_query(params))


class _Login:
    """One search's use of the shared Amadeus login: a token, refreshed once if stale."""

    def __init__(self, flights: AmadeusFlights) -> None:
        self._flights = flights
        self._credentials = flights._credentials()
        self._token = ""

    def secrets(self) -> tuple[str, ...]:
        """What must never appear in a message."""
        return (*self._credentials.secrets(), self._token)

    async def send(self, session: aiohttp.ClientSession, url: str, deadline: Deadline) -> Reply:
        """``GET url`` with the bearer token; once more with a new token if it was stale."""
        reply = await self._get(session, url, deadline)
        if is_stale_token(reply):
            self._flights._token.discard(self._token)
            reply = await self._get(session, url, deadline)
        return reply

    async def _get(self, session: aiohttp.ClientSession, url: str, deadline: Deadline) -> Reply:
        self._token = await self._flights._access_token(self._credentials, deadline)
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        return await exchange(session, CODE, Call("GET", url, headers), deadline)


def _nothing_found(reply: Reply) -> bool:
    """A 400 or 404 whose only errors say there is nothing for the city or no rooms."""
    if reply.status not in (400, 404):
        return False
    body = lenient_json(reply)
    errors = body.get("errors") if isinstance(body, Mapping) else None
    codes = {str(as_mapping(error).get("code")) for error in errors or []}
    return bool(codes) and codes <= {str(code) for code in NOTHING_FOUND_CODES}

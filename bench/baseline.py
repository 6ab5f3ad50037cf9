"""The limit: the same upstream calls to the same sandbox, decoded, and nothing else.

For each search it sends the requests our adapters send (same methods, paths, parameters,
bodies and auth headers) with aiohttp, all at once, reads each body and decodes it with
orjson, as our adapters do. No normalizing, merging, ranking, gRPC, logging or database.
Run as ``python -m bench.baseline`` in a process of its own so its CPU time is its own; it
prints one JSON object: the per-search samples and the CPU seconds the searches used.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import orjson

from bench.workload import FlightSearch, HotelSearch, flight_searches, hotel_searches
from guidera_grpc.config import SANDBOX_CREDENTIALS

Call = Callable[[aiohttp.ClientSession], Awaitable[None]]

#: Where the warm-up searches are taken from: far from any scenario's own searches.
WARM_UP_OFFSET = 1500


class Baseline:
    """Request builders of each supplier, against the sandbox at ``base``."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.amadeus_token = ""

    async def login(self, http: aiohttp.ClientSession) -> None:
        """Take an Amadeus token once, as our adapter does (it keeps it until it expires)."""
        form = {
            "grant_type": "client_credentials",
            "client_id": SANDBOX_CREDENTIALS["amadeus_client_id"],
            "client_secret": SANDBOX_CREDENTIALS["amadeus_client_secret"],
        }
        url = f"{self.base}/amadeus/v1/security/oauth2/token"
        async with http.post(url, data=form, headers={"Accept": "application/json"}) as reply:
            self.amadeus_token = orjson.loads(await reply.read())["access_token"]

    def flight_calls(self, search: FlightSearch, offers: int) -> list[Call]:
        """Duffel, Amadeus and Kiwi.com searches for one flight search."""
        day, back = search.date.isoformat(), search.return_date.isoformat()
        duffel_body = {
            "data": {
                "slices": [
                    {
                        "origin": search.origin,
                        "destination": search.destination,
                        "departure_date": day,
                    },
                    {
                        "origin": search.destination,
                        "destination": search.origin,
                        "departure_date": back,
                    },
                ],
                "passengers": [{"type": "adult"}],
                "cabin_class": "economy",
            }
        }
        duffel_headers = {
            "Authorization": f"Bearer {SANDBOX_CREDENTIALS['duffel_access_token']}",
            "Duffel-Version": "v2",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "Accept-Encoding": "gzip",
        }
        amadeus_params = {
            "originLocationCode": search.origin,
            "destinationLocationCode": search.destination,
            "departureDate": day,
            "returnDate": back,
            "adults": "1",
            "travelClass": "ECONOMY",
            "currencyCode": "EUR",
            "max": str(offers),
        }
        kiwi_day = search.date.strftime("%d/%m/%Y")
        kiwi_back = search.return_date.strftime("%d/%m/%Y")
        kiwi_params = {
            "fly_from": search.origin,
            "fly_to": search.destination,
            "date_from": kiwi_day,
            "date_to": kiwi_day,
            "adults": "1",
            "children": "0",
            "infants": "0",
            "selected_cabins": "M",
            "curr": "EUR",
            "limit": str(offers),
            "return_from": kiwi_back,
            "return_to": kiwi_back,
        }
        return [
            _post(
                f"{self.base}/duffel/air/offer_requests",
                duffel_headers,
                duffel_body,
                params={"return_offers": "true", "supplier_timeout": "7500"},
            ),
            _get(
                f"{self.base}/amadeus/v2/shopping/flight-offers",
                {"Authorization": f"Bearer {self.amadeus_token}", "Accept": "application/json"},
                amadeus_params,
            ),
            _get(
                f"{self.base}/kiwi/v2/search",
                {"apikey": SANDBOX_CREDENTIALS["kiwi_api_key"], "Accept": "application/json"},
                kiwi_params,
            ),
        ]

    def hotel_calls(self, search: HotelSearch, offers: int) -> list[Call]:
        """A signed Hotelbeds availability request for one stay."""
        key = SANDBOX_CREDENTIALS["hotelbeds_api_key"]
        secret = SANDBOX_CREDENTIALS["hotelbeds_secret"]
        signature = hashlib.sha256(f"{key}{secret}{int(time.time())}".encode()).hexdigest()
        headers = {
            "Api-key": key,
            "X-Signature": signature,
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "Content-Type": "application/json",
        }
        body = {
            "stay": {
                "checkIn": search.check_in.isoformat(),
                "checkOut": search.check_in.fromordinal(
                    search.check_in.toordinal() + 2
                ).isoformat(),
            },
            "occupancies": [{"rooms": 1, "adults": 2, "children": 0, "paxes": []}],
            "destination": {"code": search.city},
            "filter": {"maxHotels": offers},
        }
        return [_post(f"{self.base}/hotelbeds/hotel-api/1.0/hotels", headers, body)]


def _post(
    url: str, headers: dict[str, str], body: Any, params: dict[str, str] | None = None
) -> Call:
    data = orjson.dumps(body)

    async def call(http: aiohttp.ClientSession) -> None:
        async with http.post(url, data=data, headers=headers, params=params) as reply:
            orjson.loads(await reply.read())

    return call


def _get(url: str, headers: dict[str, str], params: dict[str, str]) -> Call:
    async def call(http: aiohttp.ClientSession) -> None:
        async with http.get(url, headers=headers, params=params) as reply:
            orjson.loads(await reply.read())

    return call


async def one_search(http: aiohttp.ClientSession, calls: list[Call]) -> tuple[float, float]:
    """Send every call at once; seconds until the first and the last body was decoded."""
    started = time.perf_counter()
    first: float | None = None

    async def timed(call: Call) -> None:
        nonlocal first
        await call(http)
        if first is None:
            first = time.perf_counter() - started

    await asyncio.gather(*(timed(call) for call in calls))
    last = time.perf_counter() - started
    return (first if first is not None else last), last


async def run(
    base: str, scenario: str, concurrency: int, count: int, start: int, offers: int
) -> dict[str, Any]:
    """``count`` searches, ``concurrency`` at a time; samples and CPU seconds."""
    baseline = Baseline(base)
    connector = aiohttp.TCPConnector(limit=200, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector) as http:
        await baseline.login(http)

        def searches_from(first: int) -> Iterator[Any]:
            return flight_searches(first) if scenario == "flights" else hotel_searches(first)

        searches = searches_from(start)

        def calls_for(search: Any) -> list[Call]:
            if scenario == "flights":
                return baseline.flight_calls(search, offers)
            return baseline.hotel_calls(search, offers)

        # Warm the connection pool, as a running server's is, with searches of their own so
        # that the measured ones are the very searches our server was measured on.
        warm_up = searches_from(start + WARM_UP_OFFSET)
        await asyncio.gather(*(one_search(http, calls_for(next(warm_up))) for _ in range(2)))
        samples: list[tuple[float, float]] = []
        remaining = count
        cpu_before = _cpu_s()
        wall_before = time.perf_counter()

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                samples.append(await one_search(http, calls_for(next(searches))))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return {
            "first_s": [s[0] for s in samples],
            "last_s": [s[1] for s in samples],
            "cpu_s": _cpu_s() - cpu_before,
            "wall_s": time.perf_counter() - wall_before,
        }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--scenario", choices=("flights", "hotels"), default="flights")
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--offers", type=int, default=50)
    args = parser.parse_args()
    result = asyncio.run(
        run(args.sandbox, args.scenario, args.concurrency, args.count, args.start, args.offers)
    )
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()

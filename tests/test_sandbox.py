"""The supplier sandbox over real loopback HTTP: auth, searches, shared inventory, knobs, stats."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import aiohttp
import orjson
import pytest
from multidict import CIMultiDictProxy

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.reference.airports import great_circle_km, lookup_airport, resolve_city
from guidera_grpc.sandbox import (
    EMULATORS,
    SUPPLIERS,
    Latency,
    RunningSandbox,
    faults,
    parse_knob_flags,
    start_sandbox,
)

DEPARTURE = date.today() + timedelta(days=45)
RETURN = DEPARTURE + timedelta(days=7)

Json = dict[str, Any]


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox()
    yield running
    await running.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def amadeus_token(http: aiohttp.ClientSession, sandbox: RunningSandbox) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": SANDBOX_CREDENTIALS["amadeus_client_id"],
        "client_secret": SANDBOX_CREDENTIALS["amadeus_client_secret"],
    }
    async with http.post(f"{sandbox.url}/amadeus/v1/security/oauth2/token", data=form) as resp:
        assert resp.status == 200
        body: Json = await resp.json()
    assert body["expires_in"] == 1799
    assert body["token_type"] == "Bearer"
    return str(body["access_token"])


async def amadeus_search(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, token: str | None, **params: str
) -> tuple[int, Json, CIMultiDictProxy[str]]:
    query = {
        "originLocationCode": "JFK",
        "destinationLocationCode": "LHR",
        "departureDate": DEPARTURE.isoformat(),
        "adults": "1",
        **params,
    }
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{sandbox.url}/amadeus/v2/shopping/flight-offers"
    async with http.get(url, params=query, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


def duffel_headers(token: str | None = None, version: str | None = "v2") -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token or SANDBOX_CREDENTIALS['duffel_access_token']}"}
    if version:
        headers["Duffel-Version"] = version
    return headers


def duffel_body(origin: str = "JFK", destination: str = "LHR", **extra: Any) -> Json:
    return {
        "data": {
            "slices": [
                {"origin": origin, "destination": destination, "departure_date": str(DEPARTURE)}
            ],
            "passengers": [{"type": "adult"}],
            "cabin_class": "economy",
            "max_connections": 1,
            **extra,
        }
    }


async def duffel_search(
    http: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    body: Json | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Json, CIMultiDictProxy[str]]:
    url = f"{sandbox.url}/duffel/air/offer_requests?return_offers=true&supplier_timeout=10000"
    async with http.post(
        url, json=body or duffel_body(), headers=headers or duffel_headers()
    ) as resp:
        return resp.status, await resp.json(content_type=None), resp.headers


async def kiwi_search(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, key: str | None = None, **params: str
) -> tuple[int, Any, CIMultiDictProxy[str]]:
    query = {
        "fly_from": "JFK",
        "fly_to": "LHR",
        "date_from": DEPARTURE.strftime("%d/%m/%Y"),
        "date_to": DEPARTURE.strftime("%d/%m/%Y"),
        **params,
    }
    headers = {"apikey": key if key is not None else SANDBOX_CREDENTIALS["kiwi_api_key"]}
    if key == "":
        headers = {}
    async with http.get(f"{sandbox.url}/kiwi/v2/search", params=query, headers=headers) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json(), resp.headers
        return resp.status, await resp.text(), resp.headers


async def put_knobs(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, supplier: str, changes: Json
) -> Json:
    async with http.put(f"{sandbox.url}/_sandbox/knobs/{supplier}", json=changes) as resp:
        assert resp.status == 200, await resp.text()
        body: Json = await resp.json()
        return body


async def get_json(http: aiohttp.ClientSession, url: str) -> Json:
    async with http.get(url) as resp:
        body: Json = await resp.json()
        return body


# Authentication


async def test_amadeus_rejects_bad_credentials_missing_and_unknown_tokens(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    form = {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}
    async with http.post(f"{sandbox.url}/amadeus/v1/security/oauth2/token", data=form) as resp:
        assert resp.status == 401
        assert await resp.json() == {
            "error": "invalid_client",
            "error_description": "Client credentials are invalid",
            "code": 38187,
            "title": "Invalid parameters",
        }

    status, body, _ = await amadeus_search(http, sandbox, None)
    assert status == 401
    assert int(body["errors"][0]["code"]) == 38191

    status, body, _ = await amadeus_search(http, sandbox, "forged-token")
    assert status == 401
    assert body["errors"][0]["code"] == 38190


async def test_amadeus_token_expires_after_its_ttl(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.knobs.update("amadeus", {"token_ttl_s": 1})
    form = {
        "grant_type": "client_credentials",
        "client_id": SANDBOX_CREDENTIALS["amadeus_client_id"],
        "client_secret": SANDBOX_CREDENTIALS["amadeus_client_secret"],
    }
    async with http.post(f"{sandbox.url}/amadeus/v1/security/oauth2/token", data=form) as resp:
        token = (await resp.json())["access_token"]
    await asyncio.sleep(1.05)

    status, body, _ = await amadeus_search(http, sandbox, token)

    assert status == 401
    assert body["errors"][0]["code"] == 38192


async def test_duffel_requires_token_and_version_header(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    status, body, headers = await duffel_search(http, sandbox, headers=duffel_headers("wrong"))
    assert status == 401
    assert body["errors"][0]["type"] == "authentication_error"
    assert body["meta"]["request_id"] == headers["x-request-id"]

    status, body, _ = await duffel_search(http, sandbox, headers=duffel_headers(version=None))
    assert status == 400
    assert body["errors"][0]["type"] == "invalid_request_error"
    assert body["errors"][0]["code"] == "missing_version_header"
    assert body["meta"]["status"] == 400


async def test_kiwi_rejects_unknown_and_missing_api_keys(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    status, body, _ = await kiwi_search(http, sandbox, key="not-a-partner")
    assert status == 400
    assert body["status"] == "Bad Request"
    assert body["error"].startswith("unknown partner provided")

    status, text, headers = await kiwi_search(http, sandbox, key="")
    assert status == 403
    assert headers["Content-Type"].startswith("text/plain")
    assert "unknown partner provided" in text


# Searches in each supplier's format


async def test_amadeus_search_answers_flight_offers(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    token = await amadeus_token(http, sandbox)

    status, body, headers = await amadeus_search(
        http, sandbox, token, returnDate=RETURN.isoformat(), adults="2", infants="1"
    )

    assert status == 200
    assert headers["Content-Type"].startswith("application/vnd.amadeus+json")
    assert 1 <= body["meta"]["count"] == len(body["data"]) <= 30
    offer = body["data"][0]
    assert offer["type"] == "flight-offer"
    assert len(offer["itineraries"]) == 2
    total = offer["price"]["total"]
    assert isinstance(total, str)
    traveler_sum = sum(float(t["price"]["total"]) for t in offer["travelerPricings"])
    assert float(total) == pytest.approx(traveler_sum)
    assert [t["travelerType"] for t in offer["travelerPricings"]] == [
        "ADULT",
        "ADULT",
        "HELD_INFANT",
    ]
    segment = offer["itineraries"][0]["segments"][0]
    datetime.strptime(segment["departure"]["at"], "%Y-%m-%dT%H:%M:%S")
    assert segment["carrierCode"] in body["dictionaries"]["carriers"]
    assert segment["departure"]["iataCode"] in body["dictionaries"]["locations"]
    details = offer["travelerPricings"][0]["fareDetailsBySegment"][0]
    assert details["cabin"] == "ECONOMY"
    assert "includedCheckedBags" in details


async def test_amadeus_post_search_with_method_override(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    token = await amadeus_token(http, sandbox)
    body = {
        "currencyCode": "GBP",
        "originDestinations": [
            {
                "id": "1",
                "originLocationCode": "LON",
                "destinationLocationCode": "NYC",
                "departureDateTimeRange": {"date": DEPARTURE.isoformat()},
            }
        ],
        "travelers": [{"id": "1", "travelerType": "ADULT"}],
        "sources": ["GDS"],
        "searchCriteria": {
            "maxFlightOffers": 5,
            "flightFilters": {"cabinRestrictions": [{"cabin": "BUSINESS"}]},
        },
    }
    headers = {"Authorization": f"Bearer {token}", "X-HTTP-Method-Override": "GET"}

    url = f"{sandbox.url}/amadeus/v2/shopping/flight-offers"
    async with http.post(url, json=body, headers=headers) as resp:
        assert resp.status == 200
        answer = await resp.json(content_type=None)

    assert 1 <= len(answer["data"]) <= 5
    assert all(offer["price"]["currency"] == "GBP" for offer in answer["data"])
    cabins = {
        detail["cabin"]
        for offer in answer["data"]
        for detail in offer["travelerPricings"][0]["fareDetailsBySegment"]
    }
    assert "BUSINESS" in cabins


async def test_duffel_search_answers_an_offer_request(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    status, body, headers = await duffel_search(http, sandbox)

    assert status == 201
    assert "ratelimit-reset" in headers
    data = body["data"]
    assert data["id"].startswith("orq_")
    assert data["passengers"][0]["id"].startswith("pas_")
    assert 1 <= len(data["offers"]) <= 30
    offer = data["offers"][0]
    assert offer["id"].startswith("off_")
    assert offer["total_currency"] == "USD"
    assert isinstance(offer["total_amount"], str)
    assert float(offer["total_amount"]) == pytest.approx(
        float(offer["base_amount"]) + float(offer["tax_amount"])
    )
    segment = offer["slices"][0]["segments"][0]
    assert segment["origin"]["time_zone"] == "America/New_York"
    assert isinstance(segment["marketing_carrier_flight_number"], str)
    datetime.strptime(segment["departing_at"], "%Y-%m-%dT%H:%M:%S")
    assert segment["passengers"][0]["cabin_class"] == "economy"
    assert offer["slices"][0]["duration"].startswith("PT")


async def test_kiwi_search_answers_itineraries(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    status, body, _ = await kiwi_search(
        http,
        sandbox,
        return_from=RETURN.strftime("%d/%m/%Y"),
        return_to=RETURN.strftime("%d/%m/%Y"),
        curr="GBP",
        adults="2",
    )

    assert status == 200
    assert body["currency"] == "GBP"
    item = body["data"][0]
    assert isinstance(item["price"], int | float)
    assert item["price"] == item["fare"]["adults"] * 2
    assert {segment["return"] for segment in item["route"]} == {0, 1}
    assert all(isinstance(segment["flight_no"], int) for segment in item["route"])
    assert all(isinstance(segment["operating_flight_no"], str) for segment in item["route"])
    assert item["local_departure"].endswith(".000Z")
    assert item["duration"]["total"] == item["duration"]["departure"] + item["duration"]["return"]


async def test_unknown_airports_get_each_suppliers_own_error(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    token = await amadeus_token(http, sandbox)
    status, body, _ = await amadeus_search(http, sandbox, token, originLocationCode="QQQ")
    assert status == 400
    assert body["errors"][0]["code"] == 477
    assert body["errors"][0]["source"] == {"parameter": "originLocationCode"}

    status, body, _ = await duffel_search(http, sandbox, body=duffel_body(origin="QQQ"))
    assert status == 422
    assert body["errors"][0]["type"] == "validation_error"
    assert body["errors"][0]["source"]["pointer"] == "/slices/0/origin"

    status, body, _ = await kiwi_search(http, sandbox, fly_from="QQQ")
    assert status == 400
    assert "fly_from" in body["error"]


# One inventory behind every supplier


def amadeus_flights(offer: Json) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (segment["carrierCode"], segment["number"], segment["departure"]["at"])
        for itinerary in offer["itineraries"]
        for segment in itinerary["segments"]
    )


def duffel_flights(offer: Json) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (
            segment["marketing_carrier"]["iata_code"],
            segment["marketing_carrier_flight_number"],
            segment["departing_at"],
        )
        for part in offer["slices"]
        for segment in part["segments"]
    )


def kiwi_flights(item: Json) -> tuple[tuple[str, str, str], ...]:
    return tuple(
        (segment["airline"], str(segment["flight_no"]), segment["local_departure"][:19])
        for segment in item["route"]
    )


async def test_the_same_flights_are_sold_by_several_suppliers(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    token = await amadeus_token(http, sandbox)
    _, amadeus, _ = await amadeus_search(http, sandbox, token, currencyCode="USD")
    _, duffel, _ = await duffel_search(http, sandbox)
    _, kiwi, _ = await kiwi_search(http, sandbox, curr="USD")

    sold = {
        "amadeus": {amadeus_flights(o): float(o["price"]["total"]) for o in amadeus["data"]},
        "duffel": {duffel_flights(o): float(o["total_amount"]) for o in duffel["data"]["offers"]},
        "kiwi": {kiwi_flights(item): float(item["price"]) for item in kiwi["data"]},
    }

    everywhere = set(sold["amadeus"]) & set(sold["duffel"]) & set(sold["kiwi"])
    somewhere_twice = (
        (set(sold["amadeus"]) & set(sold["duffel"]))
        | (set(sold["amadeus"]) & set(sold["kiwi"]))
        | (set(sold["duffel"]) & set(sold["kiwi"]))
    )
    assert len(somewhere_twice) >= 3
    assert everywhere
    shared = next(iter(everywhere))
    prices = {supplier: offers[shared] for supplier, offers in sold.items()}
    assert len(set(prices.values())) > 1, prices


async def test_searches_are_deterministic_across_sandboxes(http: aiohttp.ClientSession) -> None:
    answers = []
    for _ in range(2):
        async with await start_sandbox() as running:
            _, body, _ = await kiwi_search(http, running)
            answers.append([(kiwi_flights(item), item["price"]) for item in body["data"]])

    assert answers[0] == answers[1]


async def test_overnight_jfk_lhr_times_are_local_and_consistent_with_utc(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    token = await amadeus_token(http, sandbox)
    _, body, _ = await amadeus_search(http, sandbox, token, nonStop="true")
    segments = [offer["itineraries"][0]["segments"][0] for offer in body["data"]]
    overnight = [s for s in segments if s["arrival"]["at"][:10] > s["departure"]["at"][:10]]
    assert overnight, "an evening JFK departure lands in London the next morning"

    for segment in overnight:
        departs = datetime.fromisoformat(segment["departure"]["at"]).replace(
            tzinfo=ZoneInfo("America/New_York")
        )
        arrives = datetime.fromisoformat(segment["arrival"]["at"]).replace(
            tzinfo=ZoneInfo("Europe/London")
        )
        flown = arrives - departs
        expected_minutes = 5540 / 800 * 60 + 30
        assert abs(flown.total_seconds() / 60 - expected_minutes) <= 20
        assert segment["duration"] == _iso_minutes(flown)

    _, kiwi, _ = await kiwi_search(http, sandbox, max_stopovers="0")
    for item in kiwi["data"]:
        for segment in item["route"]:
            local = datetime.fromisoformat(segment["local_departure"][:19])
            utc = datetime.fromisoformat(segment["utc_departure"].replace("Z", "+00:00"))
            assert local.replace(tzinfo=ZoneInfo("America/New_York")) == utc
            arrival_local = datetime.fromisoformat(segment["local_arrival"][:19])
            arrival_utc = datetime.fromisoformat(segment["utc_arrival"].replace("Z", "+00:00"))
            assert arrival_local.replace(tzinfo=ZoneInfo("Europe/London")) == arrival_utc
            assert arrival_utc.astimezone(UTC) > utc


def _iso_minutes(span: timedelta) -> str:
    hours, minutes = divmod(round(span.total_seconds() / 60), 60)
    return f"PT{hours}H{minutes}M" if minutes else f"PT{hours}H"


# Knobs and the control endpoint


async def test_latency_knob_set_through_the_control_endpoint_delays_answers(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    changed = await put_knobs(http, sandbox, "kiwi", {"latency": "300ms"})
    assert changed["latency"] == "300ms"
    knobs = await get_json(http, f"{sandbox.url}/_sandbox/knobs")
    assert knobs["kiwi"]["latency_ms"] == {"min": 300, "max": 300}
    assert knobs["duffel"]["latency_ms"] == {"min": 0, "max": 0}

    started = time.monotonic()
    status, _, _ = await kiwi_search(http, sandbox)
    elapsed = time.monotonic() - started

    assert status == 200
    assert elapsed >= 0.3


async def test_error_knob_makes_duffel_answer_its_own_500(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    await put_knobs(http, sandbox, "duffel", {"error_rate": 1.0})

    status, body, _ = await duffel_search(http, sandbox)

    assert status == 500
    assert body["errors"][0]["type"] == "api_error"
    stats = await get_json(http, f"{sandbox.url}/_sandbox/stats")
    assert stats["duffel"]["faults"] == {"error": 1}


async def test_rate_limit_knob_gives_429_with_retry_after_in_each_format(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    await put_knobs(http, sandbox, "all", {"rate_429": 1.0, "retry_after_s": 3})
    token = await amadeus_token(http, sandbox)

    status, body, headers = await amadeus_search(http, sandbox, token)
    assert status == 429
    assert body["errors"][0]["code"] == 38194
    assert headers["Retry-After"] == "3"

    status, body, headers = await duffel_search(http, sandbox)
    assert status == 429
    assert body["errors"][0]["type"] == "rate_limit_error"
    assert headers["ratelimit-remaining"] == "0"
    reset = parsedate_to_datetime(headers["ratelimit-reset"])
    assert reset > datetime.now(UTC)

    status, body, headers = await kiwi_search(http, sandbox)
    assert status == 429
    assert body["status"] == "Too Many Requests"
    assert headers["Retry-After"] == "3"


async def test_offers_knob_limits_result_size(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.knobs.update("duffel", {"offers": 4})

    _, body, _ = await duffel_search(http, sandbox)

    assert len(body["data"]["offers"]) == 4
    assert sandbox.base_url("duffel") == f"{sandbox.url}/duffel"


async def test_reset_restores_start_up_knobs_and_clears_stats(
    http: aiohttp.ClientSession,
) -> None:
    knobs = parse_knob_flags(latency=["kiwi=10ms"])
    async with await start_sandbox(knobs=knobs) as running:
        await put_knobs(http, running, "kiwi", {"latency": "2s", "error_rate": "50%"})
        await kiwi_search(http, running, key="wrong")

        async with http.post(f"{running.url}/_sandbox/reset") as resp:
            assert resp.status == 200

        restored = await get_json(http, f"{running.url}/_sandbox/knobs")
        assert restored["kiwi"]["latency"] == "10ms"
        assert restored["kiwi"]["error_rate"] == 0.0
        stats = await get_json(http, f"{running.url}/_sandbox/stats")
        assert stats["kiwi"]["received"] == 0


async def test_bad_knob_changes_are_refused(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    async with http.put(f"{sandbox.url}/_sandbox/knobs/kiwi", json={"error_rate": 7}) as resp:
        assert resp.status == 400
        assert "outside 0..1" in (await resp.json())["error"]
    async with http.put(f"{sandbox.url}/_sandbox/knobs/nobody", json={"offers": 3}) as resp:
        assert resp.status == 404


# Faults on the wire


async def test_malformed_knob_answers_a_page_under_the_suppliers_status_and_content_type(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """Amadeus's 200 and vendor content type around an HTML page, neither JSON nor XML; the
    token endpoint, which the knobs leave alone, still issues tokens."""
    await put_knobs(http, sandbox, "amadeus", {"malformed_rate": 1.0})
    token = await amadeus_token(http, sandbox)
    query = {
        "originLocationCode": "JFK",
        "destinationLocationCode": "LHR",
        "departureDate": DEPARTURE.isoformat(),
        "adults": "1",
    }

    url = f"{sandbox.url}/amadeus/v2/shopping/flight-offers"
    async with http.get(url, params=query, headers={"Authorization": f"Bearer {token}"}) as resp:
        status, content_type, body = resp.status, resp.headers["Content-Type"], await resp.read()

    assert status == 200
    assert content_type.startswith("application/vnd.amadeus+json")
    assert body.startswith(b"<!DOCTYPE html>")
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(body)
    stats = await get_json(http, f"{sandbox.url}/_sandbox/stats")
    assert stats["amadeus"]["faults"] == {"malformed": 1}


async def test_truncate_knob_sends_half_the_body_then_closes_the_connection(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """The client gets the status and part of the body, then a payload error; the sandbox
    counts the request as aborted after a 200."""
    await put_knobs(http, sandbox, "kiwi", {"truncate_rate": 1.0})

    with pytest.raises(aiohttp.ClientPayloadError):
        await kiwi_search(http, sandbox)

    kiwi = (await get_json(http, f"{sandbox.url}/_sandbox/stats"))["kiwi"]
    assert kiwi["faults"] == {"truncate": 1}
    assert (kiwi["received"], kiwi["completed"], kiwi["aborted"]) == (1, 0, 1)
    [record] = sandbox.stats.requests("kiwi")
    assert (record.outcome, record.status) == ("aborted", 200)


async def test_drip_knob_sends_the_whole_answer_in_small_slow_pieces(
    sandbox: RunningSandbox, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A patient client gets Duffel's usual answer, no faster than one piece per interval."""
    monkeypatch.setattr(faults, "DRIP_INTERVAL_S", 0.01)
    sandbox.knobs.update("duffel", {"offers": 2, "drip_rate": 1.0})

    started = time.monotonic()
    status, body, headers = await duffel_search(http, sandbox)
    elapsed = time.monotonic() - started

    assert status == 201
    assert len(body["data"]["offers"]) == 2
    pieces = math.ceil(int(headers["Content-Length"]) / faults.DRIP_CHUNK_BYTES)
    assert pieces > 1
    assert elapsed >= (pieces - 1) * 0.01
    duffel = (await get_json(http, f"{sandbox.url}/_sandbox/stats"))["duffel"]
    assert duffel["faults"] == {"drip": 1}
    assert duffel["completed"] == 1


async def test_a_client_giving_up_on_a_dripping_answer_is_counted_as_disconnected(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """At the real pace a search answer takes far longer than a client waits."""
    await put_knobs(http, sandbox, "kiwi", {"drip_rate": 1.0})

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.5):
            await kiwi_search(http, sandbox)

    kiwi = await _wait_for_disconnect(http, sandbox, "kiwi")
    assert kiwi["faults"] == {"drip": 1}
    assert kiwi["completed"] == 0


async def test_reset_knob_closes_the_connection_without_an_answer(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """Not a byte of answer: the client sees the server disconnect; the sandbox counts the
    request as aborted with no status."""
    await put_knobs(http, sandbox, "duffel", {"reset_rate": 1.0})

    with pytest.raises(aiohttp.ServerDisconnectedError):
        await duffel_search(http, sandbox)

    duffel = (await get_json(http, f"{sandbox.url}/_sandbox/stats"))["duffel"]
    assert duffel["faults"] == {"reset": 1}
    assert (duffel["received"], duffel["completed"], duffel["aborted"]) == (1, 0, 1)
    [record] = sandbox.stats.requests("duffel")
    assert (record.outcome, record.status) == ("aborted", None)


async def test_wire_fault_knobs_are_shown_and_changed_through_the_control_endpoint(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """Every supplier shows the four wire rates, off by default; they take numbers or shares."""
    wire = ("malformed_rate", "truncate_rate", "drip_rate", "reset_rate")
    knobs = await get_json(http, f"{sandbox.url}/_sandbox/knobs")
    assert all(knobs[code][name] == 0.0 for code in SUPPLIERS for name in wire)

    changed = await put_knobs(http, sandbox, "kiwi", {"drip_rate": "25%", "reset_rate": 0.5})

    assert (changed["drip_rate"], changed["reset_rate"]) == (0.25, 0.5)
    async with http.put(f"{sandbox.url}/_sandbox/knobs/kiwi", json={"truncate_rate": 2}) as resp:
        assert resp.status == 400


async def test_wire_faults_leave_the_other_faults_on_the_same_requests(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    """The wire faults roll dice of their own: turning one on does not move the 500s."""

    async def faults_seen(changes: Json) -> list[str | None]:
        async with http.post(f"{sandbox.url}/_sandbox/reset") as resp:
            assert resp.status == 200
        await put_knobs(http, sandbox, "kiwi", changes)
        for _ in range(12):
            with contextlib.suppress(aiohttp.ClientError, ValueError):
                await kiwi_search(http, sandbox)
        return [record.fault for record in sandbox.stats.requests("kiwi")]

    alone = await faults_seen({"error_rate": 0.5})
    beside = await faults_seen({"error_rate": 0.5, "malformed_rate": 0.5})

    assert "error" in alone
    assert "malformed" in beside
    assert [f == "error" for f in alone] == [f == "error" for f in beside]


# Observability


async def test_client_hanging_up_during_latency_is_counted_as_disconnected(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    await put_knobs(http, sandbox, "kiwi", {"latency": "2s"})

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await kiwi_search(http, sandbox)

    kiwi = await _wait_for_disconnect(http, sandbox, "kiwi")
    assert kiwi["received"] == 1
    assert kiwi["completed"] == 0
    assert kiwi["endpoints"]["GET /v2/search"]["disconnected"] == 1
    assert sandbox.stats.counters("kiwi").disconnected["GET /v2/search"] == 1
    assert [record.outcome for record in sandbox.stats.requests("kiwi")] == ["disconnected"]


async def test_timeout_knob_hangs_until_the_client_gives_up(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    await put_knobs(http, sandbox, "amadeus", {"timeout_rate": 1.0})
    token = await amadeus_token(http, sandbox)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await amadeus_search(http, sandbox, token)

    amadeus = await _wait_for_disconnect(http, sandbox, "amadeus")
    assert amadeus["faults"] == {"timeout": 1}
    assert amadeus["endpoints"]["POST /v1/security/oauth2/token"]["completed"] == 1


async def _wait_for_disconnect(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, supplier: str
) -> Json:
    for _ in range(50):
        stats = await get_json(http, f"{sandbox.url}/_sandbox/stats")
        counters: Json = stats[supplier]
        if counters["disconnected"]:
            return counters
        await asyncio.sleep(0.02)
    raise AssertionError(f"no disconnect counted for {supplier}: {stats}")


async def test_request_log_keeps_arrival_order(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    await kiwi_search(http, sandbox)
    await duffel_search(http, sandbox)
    await amadeus_search(http, sandbox, None)

    log = await get_json(http, f"{sandbox.url}/_sandbox/requests")

    assert [entry["supplier"] for entry in log["requests"]] == ["kiwi", "duffel", "amadeus"]
    assert [entry["status"] for entry in log["requests"]] == [200, 201, 401]
    times = [entry["time"] for entry in log["requests"]]
    assert times == sorted(times)
    only_kiwi = await get_json(http, f"{sandbox.url}/_sandbox/requests?supplier=kiwi")
    assert len(only_kiwi["requests"]) == 1


async def test_unknown_paths_get_the_suppliers_404(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sandbox.url}/amadeus/v9/nothing") as resp:
        assert resp.status == 404
        assert (await resp.json(content_type=None))["errors"][0]["code"] == 38196


# Flags and reference data


def test_knob_flags_parse_and_bad_ones_raise() -> None:
    knobs = parse_knob_flags(
        latency=["duffel=1500ms", "kiwi=200-800ms"],
        error_rate=["duffel=1.0"],
        rate_429=["kiwi=20%"],
        timeout_rate=["amadeus=0.1"],
        offers=["all=12"],
    )
    assert knobs["duffel"].latency == Latency(1500, 1500)
    assert knobs["kiwi"].latency == Latency(200, 800)
    assert knobs["duffel"].error_rate == 1.0
    assert knobs["kiwi"].rate_429 == pytest.approx(0.2)
    assert knobs["amadeus"].timeout_rate == 0.1
    assert {knobs[code].offers for code in SUPPLIERS} == {12}

    with pytest.raises(ValueError, match="unknown supplier 'sabre'"):
        parse_knob_flags(latency=["sabre=1s"])
    with pytest.raises(ValueError, match="bad rate"):
        parse_knob_flags(error_rate=["duffel=lots"])
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        parse_knob_flags(rate_429=["kiwi=1.5"])
    with pytest.raises(ValueError, match="expected SUPPLIER=VALUE"):
        parse_knob_flags(timeout_rate=["0.1"])
    with pytest.raises(ValueError, match="bad latency"):
        parse_knob_flags(latency=["kiwi=soon"])
    with pytest.raises(ValueError, match="low <= high"):
        parse_knob_flags(latency=["kiwi=800-200ms"])


def test_wire_fault_flags_parse_like_the_other_rates() -> None:
    knobs = parse_knob_flags(
        malformed_rate=["kiwi=0.5"],
        truncate_rate=["duffel=10%"],
        drip_rate=["all=0.2"],
        reset_rate=["amadeus=1"],
    )
    assert knobs["kiwi"].malformed_rate == 0.5
    assert knobs["duffel"].truncate_rate == pytest.approx(0.1)
    assert {knobs[code].drip_rate for code in SUPPLIERS} == {0.2}
    assert knobs["amadeus"].reset_rate == 1.0
    assert knobs["kiwi"].reset_rate == 0.0

    with pytest.raises(ValueError, match=r"--reset-rate 'kiwi=2': rate '2' is outside 0\.\.1"):
        parse_knob_flags(reset_rate=["kiwi=2"])
    with pytest.raises(ValueError, match="--drip-rate 'slowly': expected SUPPLIER=VALUE"):
        parse_knob_flags(drip_rate=["slowly"])


def test_every_supplier_with_knobs_has_an_emulator() -> None:
    assert tuple(spec.code for spec in EMULATORS) == SUPPLIERS


def test_airport_reference_lookups() -> None:
    jfk, lhr = lookup_airport("jfk"), lookup_airport("LHR")
    assert jfk is not None
    assert lhr is not None
    assert jfk.tz == "America/New_York"
    assert jfk.city_code == "NYC"
    assert great_circle_km(jfk, lhr) == pytest.approx(5540, abs=15)
    assert lookup_airport("QQQ") is None
    assert {airport.iata for airport in resolve_city("LON")} >= {"LHR", "LGW", "STN"}
    assert [airport.iata for airport in resolve_city("FRA")] == ["FRA"]
    assert resolve_city("QQQ") == ()

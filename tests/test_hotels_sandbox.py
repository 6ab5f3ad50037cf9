"""The hotel emulators over real loopback HTTP: Expedia Rapid, Hotelbeds and Amadeus hotels.

Each test runs its own sandbox, so knobs and counters start fresh. Requests are signed the way
each supplier wants; the refusals are checked against each supplier's own error bodies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.providers.hotelbeds_auth import hotelbeds_headers, hotelbeds_signature
from guidera_grpc.sandbox import RunningSandbox, start_sandbox
from guidera_grpc.sandbox.stays.assortment import SELLERS, find_listing, listings
from guidera_grpc.sandbox.stays.cities import find_city
from guidera_grpc.sandbox.stays.properties import catalog, distance_m

Json = Any
CHECK_IN = dt.date.today() + dt.timedelta(days=40)
CHECK_OUT = CHECK_IN + dt.timedelta(days=2)
EXPEDIA_KEY = SANDBOX_CREDENTIALS["expedia_api_key"]
EXPEDIA_SECRET = SANDBOX_CREDENTIALS["expedia_shared_secret"]
HOTELBEDS_KEY = SANDBOX_CREDENTIALS["hotelbeds_api_key"]
HOTELBEDS_SECRET = SANDBOX_CREDENTIALS["hotelbeds_secret"]


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox()
    yield running
    await running.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def ean(
    key: str = EXPEDIA_KEY, secret: str = EXPEDIA_SECRET, at: float | None = None
) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    signature = hashlib.sha512(f"{key}{secret}{stamp}".encode()).hexdigest()
    return {
        "Authorization": f"EAN apikey={key},signature={signature},timestamp={stamp}",
        "Accept": "application/json",
    }


def shopping(property_ids: list[str], *occupancies: str) -> list[tuple[str, str]]:
    return [
        ("checkin", CHECK_IN.isoformat()),
        ("checkout", CHECK_OUT.isoformat()),
        ("currency", "EUR"),
        ("country_code", "US"),
        ("language", "en-US"),
        *(("occupancy", occupancy) for occupancy in occupancies or ("2",)),
        ("rate_plan_count", "10"),
        ("sales_channel", "website"),
        ("sales_environment", "hotel_only"),
        *(("property_id", pid) for pid in property_ids),
    ]


async def expedia_get(
    http: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    path: str,
    params: list[tuple[str, str]],
    headers: dict[str, str] | None = None,
) -> tuple[int, Json, dict[str, str]]:
    async with http.get(
        f"{sandbox.url}/expedia{path}", params=params, headers=ean() if headers is None else headers
    ) as resp:
        return resp.status, await resp.json(content_type=None), dict(resp.headers)


async def region_ids(http: aiohttp.ClientSession, sandbox: RunningSandbox, code: str) -> list[str]:
    params = [("include", "property_ids"), ("iata_location_code", code), ("language", "en-US")]
    status, body, _ = await expedia_get(http, sandbox, "/v3/regions", params)
    assert status == 200
    return [pid for region in body for pid in region.get("property_ids", [])]


def hotelbeds_body(**selector: object) -> dict[str, object]:
    return {
        "stay": {"checkIn": CHECK_IN.isoformat(), "checkOut": CHECK_OUT.isoformat()},
        "occupancies": [{"rooms": 1, "adults": 2, "children": 0}],
        **(selector or {"destination": {"code": "PAR"}}),
    }


async def hotelbeds_post(
    http: aiohttp.ClientSession,
    sandbox: RunningSandbox,
    body: object,
    headers: dict[str, str] | None = None,
) -> tuple[int, Json, dict[str, str]]:
    sent = hotelbeds_headers(HOTELBEDS_KEY, HOTELBEDS_SECRET) if headers is None else headers
    async with http.post(
        f"{sandbox.url}/hotelbeds/hotel-api/1.0/hotels", json=body, headers=sent
    ) as resp:
        return resp.status, await resp.json(content_type=None), dict(resp.headers)


async def amadeus_get(
    http: aiohttp.ClientSession, sandbox: RunningSandbox, path: str, params: dict[str, str]
) -> tuple[int, Json]:
    form = {
        "grant_type": "client_credentials",
        "client_id": SANDBOX_CREDENTIALS["amadeus_client_id"],
        "client_secret": SANDBOX_CREDENTIALS["amadeus_client_secret"],
    }
    async with http.post(f"{sandbox.url}/amadeus/v1/security/oauth2/token", data=form) as resp:
        token = (await resp.json())["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{sandbox.url}/amadeus{path}", params=params, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


# The shared catalog


def test_catalog_is_the_same_prefix_whatever_its_size() -> None:
    paris = find_city("CDG")

    assert paris is not None
    assert paris.code == "PAR"
    assert catalog(paris, 60)[:30] == catalog(paris, 30)
    assert 20 <= len(catalog(paris, 60)) <= 60
    assert len({prop.name for prop in catalog(paris, 60)}) == 60


def test_twins_are_same_brand_hotels_about_600_metres_apart() -> None:
    london = find_city("LON")
    assert london is not None
    props = catalog(london, 60)

    twins = [(props[p.twin_of], p) for p in props if p.twin_of is not None]

    assert twins
    for sibling, twin in twins:
        assert twin.brand == sibling.brand
        assert twin.name.startswith(sibling.name)
        assert 540 <= distance_m(sibling.lat, sibling.lon, twin.lat, twin.lon) <= 710


def test_supplier_ids_read_back_to_the_same_property() -> None:
    rome = find_city("ROM")
    assert rome is not None

    for seller in SELLERS.values():
        for item in listings(seller, rome, 30):
            assert find_listing(seller, item.supplier_id) == item
    assert find_listing(SELLERS["expedia"], "12") is None
    assert find_listing(SELLERS["amadeus"], "NOTANID!") is None


# Expedia


async def test_expedia_refuses_a_bad_signature_and_echoes_what_it_was_sent(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    params = [("include", "property_ids"), ("iata_location_code", "PAR"), ("language", "en-US")]

    for headers in (
        {},
        ean(secret="not-the-secret"),
        ean(key="someone-else"),
        ean(at=time.time() - 900),
    ):
        status, body, _ = await expedia_get(http, sandbox, "/v3/regions", params, headers)
        assert status == 401
        assert body["type"] == "request_unauthenticated"
        names = [field["name"] for field in body["fields"]]
        assert names == ["apikey", "signature", "timestamp", "servertimestamp"]


async def test_expedia_regions_list_a_citys_property_ids(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    params = [
        ("include", "standard"),
        ("include", "property_ids"),
        ("iata_location_code", "PAR"),
        ("language", "en-US"),
    ]
    status, body, _ = await expedia_get(http, sandbox, "/v3/regions", params)

    assert status == 200
    city, *airports = body
    assert (city["type"], city["iata_airport_metro_code"]) == ("multi_city_vicinity", "PAR")
    assert len(city["property_ids"]) == 30
    assert {a["iata_airport_code"] for a in airports} == {"CDG", "ORY", "BVA"}
    assert await region_ids(http, sandbox, "ORY") == city["property_ids"]
    status, body, _ = await expedia_get(
        http, sandbox, "/v3/regions", [*params[1:], ("type", "city")]
    )
    assert body == []
    nice = await region_ids(http, sandbox, "NCE")
    assert nice
    assert not set(nice) & set(city["property_ids"])


async def test_expedia_content_is_keyed_by_property_id(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    ids = (await region_ids(http, sandbox, "LON"))[:3]
    params = [("language", "en-US"), *(("property_id", pid) for pid in [*ids, "404"])]

    status, body, _ = await expedia_get(http, sandbox, "/v3/properties/content", params)

    assert status == 200
    assert list(body) == ids
    first = body[ids[0]]
    assert first["property_id"] == ids[0]
    assert first["address"]["country_code"] == "GB"
    assert float(first["ratings"]["property"]["rating"]) >= 1
    assert isinstance(first["location"]["coordinates"]["latitude"], float)


async def test_expedia_availability_prices_each_occupancy(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    ids = await region_ids(http, sandbox, "PAR")

    status, body, _ = await expedia_get(
        http, sandbox, "/v3/properties/availability", shopping(ids, "2-9,4", "1")
    )

    assert status == 200
    assert body
    assert {p["property_id"] for p in body} <= set(ids)
    rate = body[0]["rooms"][0]["rates"][0]
    assert set(rate["occupancy_pricing"]) == {"2-9,4", "1"}
    family = rate["occupancy_pricing"]["2-9,4"]
    assert len(family["nightly"]) == 2
    assert {charge["type"] for charge in family["nightly"][0]} >= {"base_rate", "extra_person_fee"}
    assert family["totals"]["inclusive"]["billable_currency"]["currency"] == "EUR"
    (group,) = rate["bed_groups"].values()
    assert group["links"]["price_check"]["href"].startswith(
        f"/v3/properties/{body[0]['property_id']}/"
    )


async def test_expedia_availability_refuses_bad_queries_with_nested_errors(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    ids = (await region_ids(http, sandbox, "PAR"))[:2]
    cases = [
        ([p for p in shopping(ids) if p[0] != "checkin"], "checkin.required"),
        (shopping(ids, "2-x"), "occupancy.invalid"),
        (shopping(ids, *["2"] * 9), "occupancy.invalid_above_maximum"),
        ([p for p in shopping(ids) if p[0] != "property_id"], "property_id.required"),
    ]

    for params, nested in cases:
        status, body, _ = await expedia_get(http, sandbox, "/v3/properties/availability", params)
        assert status == 400
        assert body["type"] == "invalid_input"
        assert body["errors"][0]["type"] == nested


async def test_expedia_test_header_gives_canned_failures(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    ids = (await region_ids(http, sandbox, "PAR"))[:2]

    for scenario, status, kind in (
        ("service_unavailable", 503, "service_unavailable"),
        ("unknown_internal_error", 500, "unknown_internal_error"),
    ):
        headers = {**ean(), "Test": scenario}
        got, body, _ = await expedia_get(
            http, sandbox, "/v3/properties/availability", shopping(ids), headers
        )
        assert (got, body["type"]) == (status, kind)


async def test_expedia_knobs_give_rapids_own_429_and_500(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    params = [("include", "property_ids"), ("iata_location_code", "PAR"), ("language", "en-US")]
    sandbox.knobs.update("expedia", {"rate_429": 1.0, "retry_after_s": 7})

    status, body, headers = await expedia_get(http, sandbox, "/v3/regions", params)
    assert (status, body["type"]) == (429, "too_many_requests")
    reset_s = int(headers["Rate-Limit-Minute-Reset"]) / 1000 - time.time()
    assert 5 < reset_s <= 7

    sandbox.knobs.update("expedia", {"rate_429": 0.0, "error_rate": 1.0})
    status, body, _ = await expedia_get(http, sandbox, "/v3/regions", params)
    assert (status, body["type"]) == (500, "unknown_internal_error")


async def test_offers_knob_sizes_every_hotel_suppliers_city(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    for code in ("expedia", "hotelbeds", "amadeus"):
        sandbox.knobs.update(code, {"offers": 45})

    assert 30 < len(await region_ids(http, sandbox, "PAR")) <= 45
    _, body, _ = await hotelbeds_post(http, sandbox, hotelbeds_body())
    assert body["hotels"]["total"] <= 45
    _, hotels = await amadeus_get(
        http, sandbox, "/v1/reference-data/locations/hotels/by-city", {"cityCode": "PAR"}
    )
    assert 25 < len(hotels["data"]) <= 45

    sandbox.knobs.update("hotelbeds", {"offers": 4})
    _, body, _ = await hotelbeds_post(http, sandbox, hotelbeds_body())
    assert body["hotels"]["total"] == len(body["hotels"]["hotels"]) <= 4


async def test_unknown_paths_get_each_hotel_suppliers_404(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{sandbox.url}/expedia/v3/nothing") as resp:
        assert resp.status == 404
        assert (await resp.json())["type"] == "resource_not_found"
    async with http.get(f"{sandbox.url}/hotelbeds/hotel-api/9.9/nothing") as resp:
        assert resp.status == 404
        assert (await resp.json())["error"] == "Service Not Found"


# Hotelbeds


async def test_hotelbeds_gateway_refuses_missing_unknown_and_badly_signed_keys(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    stale = hotelbeds_headers(HOTELBEDS_KEY, HOTELBEDS_SECRET, now=time.time() - 3600)
    cases = [
        ({"Content-Type": "application/json"}, 401, "Authorization field missing", None),
        (
            hotelbeds_headers("wrong-key", HOTELBEDS_SECRET),
            403,
            "Developer Inactive",
            "ERR_403_DEVELOPER_INACTIVE",
        ),
        (
            hotelbeds_headers(HOTELBEDS_KEY, "wrong-secret"),
            403,
            "Not Authorized",
            "ERR_403_NOT_AUTHORIZED",
        ),
        (stale, 403, "Not Authorized", "ERR_403_NOT_AUTHORIZED"),
    ]

    for headers, status, text, code in cases:
        got, body, answer_headers = await hotelbeds_post(http, sandbox, hotelbeds_body(), headers)
        assert (got, body) == (status, {"error": text})
        if code:
            assert answer_headers["X-Mashery-Error-Code"] == code


def test_hotelbeds_signature_is_sha256_of_key_secret_and_seconds() -> None:
    headers = hotelbeds_headers("key", "secret", now=1700000000.9)

    expected = hashlib.sha256(b"keysecret1700000000").hexdigest()
    assert headers["X-Signature"] == expected == hotelbeds_signature("key", "secret", 1700000000)
    assert headers["Api-key"] == "key"


async def test_hotelbeds_answers_hotels_with_net_rates_and_terms(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    body = hotelbeds_body()
    body["occupancies"] = [
        {"rooms": 1, "adults": 2, "children": 1, "paxes": [{"type": "CH", "age": 7}]},
        {"rooms": 2, "adults": 1, "children": 0},
    ]

    status, answer, _ = await hotelbeds_post(http, sandbox, body)

    assert status == 200
    assert answer["auditData"]["timestamp"]
    hotels = answer["hotels"]["hotels"]
    assert answer["hotels"]["total"] == len(hotels) > 0
    rates = [rate for hotel in hotels for room in hotel["rooms"] for rate in room["rates"]]
    assert {(r["rooms"], r["adults"], r["children"]) for r in rates} == {(1, 2, 1), (2, 1, 0)}
    assert {r["rateType"] for r in rates} == {"BOOKABLE", "RECHECK"}
    assert {r["rateClass"] for r in rates} == {"NOR", "NRF"}
    assert all(r["cancellationPolicies"][0]["from"] for r in rates)
    assert any(not t["included"] for r in rates for t in r.get("taxes", {}).get("taxes", []))
    assert all(hotel["categoryCode"].endswith("EST") for hotel in hotels)


async def test_hotelbeds_refuses_bad_requests_in_its_own_format(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    past = hotelbeds_body()
    past["stay"] = {"checkIn": "2020-01-01", "checkOut": "2020-01-03"}
    two_selectors = hotelbeds_body(destination={"code": "PAR"}, hotels={"hotel": [1]})
    cases = [
        ({"occupancies": []}, "INVALID_REQUEST"),
        (two_selectors, "INVALID_REQUEST"),
        (past, "INVALID_DATA"),
        (hotelbeds_body(destination={"code": "QQQ"}), "INVALID_DATA"),
    ]

    for body, code in cases:
        status, answer, _ = await hotelbeds_post(http, sandbox, body)
        assert status == 400
        assert answer["error"]["code"] == code
        assert "auditData" in answer


async def test_hotelbeds_searches_by_geolocation_and_by_hotel_codes(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    centre = {"latitude": 48.8566, "longitude": 2.3522, "radius": 2, "unit": "km"}

    _, near, _ = await hotelbeds_post(http, sandbox, hotelbeds_body(geolocation=centre))
    _, everywhere, _ = await hotelbeds_post(http, sandbox, hotelbeds_body())

    near_codes = {hotel["code"] for hotel in near["hotels"]["hotels"]}
    assert near_codes
    assert near_codes < {hotel["code"] for hotel in everywhere["hotels"]["hotels"]}
    chosen = sorted(near_codes)[:2]
    _, named, _ = await hotelbeds_post(http, sandbox, hotelbeds_body(hotels={"hotel": chosen}))
    assert sorted(hotel["code"] for hotel in named["hotels"]["hotels"]) == chosen


async def test_hotelbeds_knobs_give_the_gateways_throttle_and_the_apis_500(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    sandbox.knobs.update("hotelbeds", {"rate_429": 1.0, "retry_after_s": 3})
    status, body, headers = await hotelbeds_post(http, sandbox, hotelbeds_body())
    assert (status, body) == (403, {"error": "Developer Over QPS"})
    assert headers["X-Mashery-Error-Code"] == "ERR_403_DEVELOPER_OVER_QPS"
    assert headers["Retry-After"] == "3"

    sandbox.knobs.update("hotelbeds", {"rate_429": 0.0, "error_rate": 1.0})
    status, body, _ = await hotelbeds_post(http, sandbox, hotelbeds_body())
    assert (status, body["error"]["code"]) == (500, "SYSTEM_ERROR")
    assert sandbox.stats.counters("hotelbeds").received


async def test_hotelbeds_answers_are_deterministic_across_sandboxes(
    http: aiohttp.ClientSession,
) -> None:
    answers = []
    for _ in range(2):
        async with await start_sandbox() as running:
            _, body, _ = await hotelbeds_post(http, running, hotelbeds_body())
            answers.append([(h["code"], h["name"], h["minRate"]) for h in body["hotels"]["hotels"]])

    assert answers[0] == answers[1]


# Amadeus hotels


async def test_amadeus_hotel_list_then_offers_by_id(
    sandbox: RunningSandbox, http: aiohttp.ClientSession
) -> None:
    status, listed = await amadeus_get(
        http, sandbox, "/v1/reference-data/locations/hotels/by-city", {"cityCode": "ROM"}
    )
    assert status == 200
    ids = [hotel["hotelId"] for hotel in listed["data"]]
    assert all(len(hotel_id) == 8 and hotel_id[2:5] == "ROM" for hotel_id in ids)

    params = {
        "hotelIds": ",".join(ids[:10]),
        "adults": "2",
        "checkInDate": CHECK_IN.isoformat(),
        "checkOutDate": CHECK_OUT.isoformat(),
        "currency": "USD",
    }
    status, offers = await amadeus_get(http, sandbox, "/v3/shopping/hotel-offers", params)

    assert status == 200
    assert offers["data"]
    for item in offers["data"]:
        assert item["hotel"]["hotelId"] in ids
        assert len(item["offers"]) == 1
        assert item["offers"][0]["price"]["currency"] == "USD"


async def test_amadeus_hotel_errors(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    list_path = "/v1/reference-data/locations/hotels/by-city"
    cases = [
        (list_path, {}, 32171),
        (list_path, {"cityCode": "QQQ"}, 895),
        ("/v3/shopping/hotel-offers", {"hotelIds": "ZZZZZZZZ"}, 1257),
        ("/v3/shopping/hotel-offers", {}, 32171),
    ]
    for path, params, code in cases:
        status, body = await amadeus_get(http, sandbox, path, params)
        assert status == 400
        assert body["errors"][0]["code"] == code

    async with http.get(f"{sandbox.url}/amadeus{list_path}?cityCode=PAR") as resp:
        assert resp.status == 401
        assert int((await resp.json())["errors"][0]["code"]) == 38191

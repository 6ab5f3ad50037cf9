"""The experience emulators over HTTP, and the catalog they share.

Each emulator answers in its supplier's own shapes: GetYourGuide's ``status: "ERROR"`` body
with ``errorCode`` 25 for a bad token, Viator's ``{code, message}`` with an ``X-Unique-ID`` and
its version check on ``Accept``, the Hotelbeds gateway's ``{"error": ...}`` and the Activities
API's ``errors`` list. The catalog sells the same product at several suppliers under
different titles, and keeps near misses apart.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from guidera_grpc.aggregation.matching import (
    EXPERIENCE_DURATION_TOLERANCE,
    EXPERIENCE_TITLE_MIN,
    experience_words,
    name_similarity,
)
from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.providers.hotelbeds_auth import hotelbeds_headers
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.sandbox.activities import Listing, by_product_id, experiences, search
from tests.server_fixtures import SandboxControl

DAY = dt.date.today() + dt.timedelta(days=30)
GYG_TOKEN = {"X-ACCESS-TOKEN": SANDBOX_CREDENTIALS["getyourguide_access_token"]}
GYG_QUERY = {"cnt_language": "en", "currency": "EUR", "q": "iata:rom"}
VIATOR_HEADERS = {
    "exp-api-key": SANDBOX_CREDENTIALS["viator_api_key"],
    "Accept": "application/json;version=2.0",
    "Accept-Language": "en-US",
}
ACTIVITIES_PATH = "/hotelbeds/activity-api/3.0/activities"

Json = dict[str, Any]


@pytest.fixture
async def http(
    sandbox: RunningSandbox, sandbox_control: SandboxControl
) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sandbox.url) as session:
        yield session


def viator_search(destination: str = "511", **filtering: object) -> Json:
    return {
        "filtering": {"destination": destination, "startDate": DAY.isoformat(), **filtering},
        "currency": "EUR",
    }


def activities_search(*items: Json) -> Json:
    return {
        "filters": [{"searchFilterItems": list(items)}],
        "from": DAY.isoformat(),
        "to": DAY.isoformat(),
        "language": "en",
    }


def activities_headers(key: str = "", secret: str = "") -> dict[str, str]:
    return hotelbeds_headers(
        key or SANDBOX_CREDENTIALS["hotelbeds_activities_api_key"],
        secret or SANDBOX_CREDENTIALS["hotelbeds_activities_secret"],
    )


# GetYourGuide.


async def test_getyourguide_tours_in_its_envelope(http: aiohttp.ClientSession) -> None:
    async with http.get("/getyourguide/1/tours", params=GYG_QUERY, headers=GYG_TOKEN) as answer:
        body = await answer.json()

    assert answer.status == 200
    assert body["_metadata"]["status"] == "OK"
    assert body["_metadata"]["descriptor"] == "GetYourGuide AG"
    tour = body["data"]["tours"][0]
    assert isinstance(tour["tour_id"], int)
    assert tour["durations"][0]["unit"] in ("minute", "hour", "day")
    assert "amount" in tour["price"]["values"]
    assert 0 < tour["overall_rating"] <= 5


@pytest.mark.parametrize(
    ("headers", "reason"), [({}, "missing"), ({"X-ACCESS-TOKEN": "not-the-token"}, "invalid")]
)
async def test_getyourguide_bad_token_gets_error_25(
    http: aiohttp.ClientSession, headers: dict[str, str], reason: str
) -> None:
    async with http.get("/getyourguide/1/tours", params=GYG_QUERY, headers=headers) as answer:
        body = await answer.json()

    assert answer.status == 401
    assert body["status"] == "ERROR"
    assert body["errors"] == [
        {"errorCode": 25, "errorMessage": f"Unauthorized. The access token is {reason}."}
    ]
    assert "not-the-token" not in str(body)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"currency": "EUR", "q": "iata:rom"}, "cnt_language"),
        ({**GYG_QUERY, "currency": "XXX"}, "currency"),
        ({**GYG_QUERY, "coordinates[]": "41.9"}, "q"),
        ({**GYG_QUERY, "date[]": "next week"}, "date[]"),
    ],
)
async def test_getyourguide_bad_parameters_get_400(
    http: aiohttp.ClientSession, query: dict[str, str], field: str
) -> None:
    async with http.get("/getyourguide/1/tours", params=query, headers=GYG_TOKEN) as answer:
        body = await answer.json()

    assert answer.status == 400
    assert body["status"] == "ERROR"
    assert field in body["errors"][0]["errorMessage"]


async def test_getyourguide_unknown_tour_and_path_get_404(http: aiohttp.ClientSession) -> None:
    params = {"cnt_language": "en", "currency": "EUR"}
    async with http.get(
        "/getyourguide/1/tours/42/availabilities", params=params, headers=GYG_TOKEN
    ) as a:
        assert (a.status, (await a.json())["status"]) == (404, "ERROR")
    async with http.get("/getyourguide/1/nowhere", headers=GYG_TOKEN) as answer:
        assert answer.status == 404


async def test_getyourguide_availabilities_of_a_tour(http: aiohttp.ClientSession) -> None:
    colosseum = search("getyourguide", "ROM", DAY, DAY, "colosseum palatine")[0]
    tour_id = colosseum.listings["getyourguide"].product_id
    params = [
        ("cnt_language", "en"),
        ("currency", "EUR"),
        ("date[]", f"{DAY}T00:00:00"),
        ("date[]", f"{DAY + dt.timedelta(days=1)}T23:59:59"),
    ]
    async with http.get(
        f"/getyourguide/1/tours/{tour_id}/availabilities", params=params, headers=GYG_TOKEN
    ) as answer:
        slots = (await answer.json())["data"]["availabilities"]

    assert slots
    assert all(slot["vacancies"] > 0 for slot in slots)
    assert {slot["start_time"][:10] for slot in slots} <= {str(DAY), str(DAY + dt.timedelta(1))}


async def test_getyourguide_faults_carry_no_useful_body(
    http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("getyourguide", rate_429=1.0, retry_after_s=3)
    async with http.get("/getyourguide/1/tours", params=GYG_QUERY, headers=GYG_TOKEN) as answer:
        assert (answer.status, answer.headers["Retry-After"]) == (429, "3")
        assert answer.content_type == "text/plain"


# Viator.


async def test_viator_products_search_answer(http: aiohttp.ClientSession) -> None:
    async with http.post(
        "/viator/products/search", json=viator_search(), headers=VIATOR_HEADERS
    ) as answer:
        body = await answer.json()

    assert answer.status == 200
    assert answer.headers["X-Unique-ID"]
    assert body["totalCount"] >= len(body["products"]) > 0
    product = body["products"][0]
    assert product["productCode"].split("P")[0].isdigit()
    assert product["pricing"]["currency"] == "EUR"
    assert product["destinations"] == [{"ref": "511", "primary": True}]
    assert set(product["duration"]) & {"fixedDurationInMinutes", "variableDurationFromMinutes"}


async def test_viator_freetext_search_filters_by_words(http: aiohttp.ClientSession) -> None:
    request = {
        "searchTerm": "Rome colosseum",
        "productFiltering": {"destination": "511"},
        "searchTypes": [{"searchType": "PRODUCTS", "pagination": {"start": 1, "count": 10}}],
        "currency": "USD",
    }
    async with http.post("/viator/search/freetext", json=request, headers=VIATOR_HEADERS) as a:
        results = (await a.json())["products"]["results"]

    assert results
    assert all("colosseum" in p["title"].lower() for p in results)
    assert {p["pricing"]["currency"] for p in results} == {"USD"}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "Missing API key"),
        ("wrong-viator-key", "Access denied for API key: wrong-viator-key"),
    ],
)
async def test_viator_bad_key_gets_401_unauthorized(
    http: aiohttp.ClientSession, key: str | None, message: str
) -> None:
    headers = {k: v for k, v in VIATOR_HEADERS.items() if k != "exp-api-key"}
    if key:
        headers["exp-api-key"] = key
    async with http.post("/viator/products/search", json=viator_search(), headers=headers) as a:
        body = await a.json()

    assert a.status == 401
    assert body["code"] == "UNAUTHORIZED"
    assert message in body["message"]
    assert body["trackingId"] == a.headers["X-Unique-ID"]
    assert body["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    ("accept", "status", "code"),
    [
        (None, 400, "INVALID_HEADER_VALUE"),
        ("application/json", 400, "INVALID_HEADER_VALUE"),
        ("application/json;version=1.0", 406, "NOT_ACCEPTABLE"),
    ],
)
async def test_viator_wants_version_2_in_accept(
    http: aiohttp.ClientSession, accept: str | None, status: int, code: str
) -> None:
    headers = {k: v for k, v in VIATOR_HEADERS.items() if k != "Accept"}
    if accept:
        headers["Accept"] = accept
    async with http.post("/viator/products/search", json=viator_search(), headers=headers) as a:
        assert (a.status, (await a.json())["code"]) == (status, code)


@pytest.mark.parametrize(
    "request_body",
    [
        {"currency": "EUR"},
        viator_search("rome"),
        {**viator_search(), "currency": "XYZ"},
        viator_search(startDate="2001-01-01"),
    ],
)
async def test_viator_bad_requests_get_400(http: aiohttp.ClientSession, request_body: Json) -> None:
    async with http.post(
        "/viator/products/search", json=request_body, headers=VIATOR_HEADERS
    ) as answer:
        assert (answer.status, (await answer.json())["code"]) == (400, "BAD_REQUEST")


async def test_viator_destinations_map_iata_codes_to_ids(http: aiohttp.ClientSession) -> None:
    async with http.get("/viator/v1/taxonomy/destinations", headers=VIATOR_HEADERS) as answer:
        body = await answer.json()

    assert body["success"] is True
    cities = {d["iataCode"]: d for d in body["data"] if d["destinationType"] == "CITY"}
    assert cities["ROM"]["destinationId"] == 511
    assert cities["PAR"]["destinationId"] == 479
    assert cities["ROM"]["timeZone"] == "Europe/Rome"
    assert len({d["destinationId"] for d in body["data"]}) == len(body["data"])


async def test_viator_rate_limit_is_its_own_429(
    http: aiohttp.ClientSession, sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set("viator", rate_429=1.0, retry_after_s=2)
    async with http.post(
        "/viator/products/search", json=viator_search(), headers=VIATOR_HEADERS
    ) as answer:
        body = await answer.json()

    assert (answer.status, body["code"], answer.headers["Retry-After"]) == (
        429,
        "TOO_MANY_REQUESTS",
        "2",
    )


# Hotelbeds Activities.


async def test_hotelbeds_activities_search_answer(http: aiohttp.ClientSession) -> None:
    request = activities_search({"type": "destination", "value": "FCO"})
    async with http.post(ACTIVITIES_PATH, json=request, headers=activities_headers()) as answer:
        body = await answer.json()

    assert answer.status == 200
    assert body["pagination"]["totalItems"] >= len(body["activities"]) > 0
    activity = body["activities"][0]
    assert activity["country"]["destinations"] == [{"code": "ROM", "name": "Rome"}]
    modality = activity["modalities"][0]
    assert modality["duration"]["metric"] in ("MINUTES", "HOURS", "DAYS")
    assert modality["rates"][0]["rateDetails"][0]["operationDates"][0]["from"] == str(DAY)


async def test_hotelbeds_activities_text_filter(http: aiohttp.ClientSession) -> None:
    request = activities_search(
        {"type": "destination", "value": "ROM"}, {"type": "text", "value": "colosseum"}
    )
    async with http.post(ACTIVITIES_PATH, json=request, headers=activities_headers()) as answer:
        names = [a["name"] for a in (await answer.json())["activities"]]

    assert names == ["Colosseum and Roman Forum Guided Visit"]


@pytest.mark.parametrize(
    ("headers", "status", "text"),
    [
        ({"Accept": "application/json"}, 401, "Authorization field missing"),
        (
            hotelbeds_headers(
                SANDBOX_CREDENTIALS["hotelbeds_api_key"], SANDBOX_CREDENTIALS["hotelbeds_secret"]
            ),
            403,
            "Developer Inactive",
        ),
        (
            hotelbeds_headers(
                SANDBOX_CREDENTIALS["hotelbeds_activities_api_key"], "not-the-secret"
            ),
            403,
            "Not Authorized",
        ),
    ],
)
async def test_hotelbeds_activities_gateway_refusals(
    http: aiohttp.ClientSession, headers: dict[str, str], status: int, text: str
) -> None:
    """The hotel suite's key does not open the Activities suite."""
    request = activities_search({"type": "destination", "value": "ROM"})
    async with http.post(ACTIVITIES_PATH, json=request, headers=headers) as answer:
        assert (answer.status, await answer.json()) == (status, {"error": text})


@pytest.mark.parametrize(
    "request_body",
    [
        {"from": str(DAY), "to": str(DAY)},
        activities_search({"type": "text", "value": "colosseum"}),
        {**activities_search({"type": "destination", "value": "ROM"}), "from": "tomorrow"},
    ],
)
async def test_hotelbeds_activities_bad_requests_list_errors(
    http: aiohttp.ClientSession, request_body: Json
) -> None:
    async with http.post(ACTIVITIES_PATH, json=request_body, headers=activities_headers()) as a:
        body = await a.json()

    assert a.status == 400
    assert body["errors"][0]["code"] == "INVALID_DATA"
    assert body["errors"][0]["text"]


# The catalog.


def mid_minutes(listing: Listing) -> float:
    return (listing.minutes_from + listing.minutes_to) / 2


def same_product(a: Listing, b: Listing) -> bool:
    """The aggregation's matching rule applied to two listings of one city."""
    longer, shorter = max(mid_minutes(a), mid_minutes(b)), min(mid_minutes(a), mid_minutes(b))
    if longer - shorter > max(30, longer * EXPERIENCE_DURATION_TOLERANCE):
        return False
    similarity = name_similarity(experience_words(a.title), experience_words(b.title))
    return similarity >= EXPERIENCE_TITLE_MIN


@pytest.mark.parametrize("code", ["ROM", "PAR", "LON", "NYC", "BCN", "AMS", "DUS", "NRT", "CPT"])
def test_listings_of_one_product_match_and_of_two_products_do_not(code: str) -> None:
    listings = [(e.key, listing) for e in experiences(code) for listing in e.listings.values()]

    wrong = [
        (a.title, b.title)
        for (key_a, a), (key_b, b) in itertools.combinations(listings, 2)
        if same_product(a, b) != (key_a == key_b)
    ]

    assert not wrong


def test_the_colosseum_is_sold_by_three_suppliers_under_three_titles() -> None:
    colosseum = next(e for e in experiences("FCO") if e.key == "ROM:colosseum")
    gyg, viator, hotelbeds = (
        colosseum.listings[s] for s in ("getyourguide", "viator", "hotelbeds")
    )

    assert len({gyg.title, viator.title, hotelbeds.title}) == 3
    assert abs(mid_minutes(gyg) - mid_minutes(viator)) <= 30
    assert same_product(gyg, viator)
    assert same_product(gyg, hotelbeds)


@pytest.mark.parametrize(
    ("code", "short", "long"),
    [
        ("ROM", "ROM:vatican", "ROM:vatican-full-day"),
        ("ROM", "ROM:highlights-2h", "ROM:highlights-day"),
        ("DUS", "DUS:highlights-2h", "DUS:highlights-day"),
        ("NYC", "NYC:central-park-bike", "NYC:central-park-rental"),
    ],
)
def test_near_misses_have_similar_titles_but_other_durations(
    code: str, short: str, long: str
) -> None:
    found = {e.key: e.listings["getyourguide"] for e in experiences(code)}
    a, b = found[short], found[long]

    similarity = name_similarity(experience_words(a.title), experience_words(b.title))
    assert similarity >= EXPERIENCE_TITLE_MIN
    assert not same_product(a, b)


def test_one_title_in_two_cities() -> None:
    def hop_on(code: str) -> str:
        return (
            next(e for e in experiences(code) if e.spec.slug == "hop-on-hop-off")
            .listings["viator"]
            .title
        )

    assert hop_on("ROM") == hop_on("NYC") == "Hop-On Hop-Off Bus Tour"


def test_any_city_has_a_catalogue_and_unknown_codes_none() -> None:
    cork = experiences("ORK")

    assert len(cork) >= 6
    assert cork[0].city.name == "Cork"
    assert experiences("QQQ") == ()
    assert experiences("CIA") == experiences("FCO")


def test_product_ids_lead_back_to_their_experience() -> None:
    for experience in experiences("BCN"):
        for supplier in ("getyourguide", "viator"):
            if supplier in experience.listings:
                product_id = experience.listings[supplier].product_id
                assert by_product_id(supplier, product_id) == experience


def test_closed_days_are_not_sold() -> None:
    sunday = DAY + dt.timedelta(days=(6 - DAY.weekday()))

    on_sunday = {e.key for e in search("getyourguide", "ROM", sunday, sunday)}

    assert "ROM:vatican" not in on_sunday
    assert "ROM:colosseum" in on_sunday or not next(
        e for e in experiences("ROM") if e.key == "ROM:colosseum"
    ).operates_on(sunday)

"""The experience adapters against the sandbox suppliers over real HTTP on loopback.

Each test builds its adapters on a fresh ``aiohttp`` session pointed at the shared sandbox;
``sandbox_control`` resets the knobs and counters around every test.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
from guidera.v1 import common_pb2, offer_pb2
from multidict import CIMultiDict
from pydantic import SecretStr

from guidera_grpc.aggregation.matching import matcher_for
from guidera_grpc.config import SANDBOX_CREDENTIALS, Settings
from guidera_grpc.logs import fields_of
from guidera_grpc.providers import getyourguide, hotelbeds_activities, viator
from guidera_grpc.providers.base import ExperienceProvider
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    QuotaExceededError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.providers.getyourguide import GetYourGuideExperiences
from guidera_grpc.providers.hotelbeds_activities import HotelbedsActivities
from guidera_grpc.providers.http import Reply
from guidera_grpc.providers.viator import ViatorExperiences
from guidera_grpc.sandbox import RunningSandbox
from guidera_grpc.search.params import ExperienceSearch
from tests.server_fixtures import SandboxControl

SUPPLIERS = ("getyourguide", "viator", "hotelbeds")
FIRST = dt.date.today() + dt.timedelta(days=40)
ROME = ExperienceSearch("FCO", FIRST, FIRST + dt.timedelta(days=2))
COLOSSEUM = ExperienceSearch("ROM", FIRST, FIRST, text="Colosseum")
WRONG_SECRETS = {
    "getyourguide_access_token": "wrong-getyourguide-token",
    "viator_api_key": "wrong-viator-key-value",
    "hotelbeds_activities_api_key": "wrong-activities-key",
    "hotelbeds_activities_secret": "wrong-activities-secret",
}
NO_SECRETS = dict.fromkeys(WRONG_SECRETS)
ENDPOINTS = {
    "getyourguide": "GET /1/tours",
    "viator": "POST /viator/products/search",
    "hotelbeds": "POST /activity-api/3.0/activities",
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox) -> Settings:
    return Settings().with_sandbox(sandbox.url)


def build(code: str, http: aiohttp.ClientSession, settings: Settings) -> ExperienceProvider:
    if code == "getyourguide":
        return GetYourGuideExperiences(http, settings)
    if code == "viator":
        return ViatorExperiences(http, settings)
    return HotelbedsActivities(http, settings)


@pytest.fixture
def providers(
    http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> dict[str, ExperienceProvider]:
    return {code: build(code, http, settings) for code in SUPPLIERS}


def received(sandbox: RunningSandbox, supplier: str, endpoint: str | None = None) -> int:
    counters = sandbox.stats.counters(supplier)
    return counters.received[endpoint] if endpoint else sum(counters.received.values())


def minutes(offer: offer_pb2.Offer) -> int:
    return offer.experience.duration.seconds // 60


# Searches.


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_search_returns_normalized_experiences(
    code: str, providers: dict[str, ExperienceProvider]
) -> None:
    offers = await providers[code].search_experiences(ROME, timeout_s=5)

    assert len(offers) >= 5
    for offer in offers:
        assert offer.category == common_pb2.CATEGORY_EXPERIENCES
        assert [p.provider for p in offer.provider_prices] == [code]
        assert offer.provider_prices[0].provider_offer_id
        assert offer.price == offer.provider_prices[0].price
        assert offer.price.total.units > 0
        details = offer.experience
        assert details.title
        assert 30 <= minutes(offer) <= 12 * 60
        assert 0 <= details.rating <= 5
        assert (details.location.city_code, details.location.time_zone) == ("ROM", "Europe/Rome")


async def test_the_colosseum_comes_from_getyourguide_and_viator_under_two_titles(
    providers: dict[str, ExperienceProvider],
) -> None:
    gyg = await providers["getyourguide"].search_experiences(COLOSSEUM, timeout_s=5)
    via = await providers["viator"].search_experiences(COLOSSEUM, timeout_s=5)
    full_tour = [
        next(o for o in offers if "Palatine" in o.experience.title) for offers in (gyg, via)
    ]

    titles = {offer.experience.title for offer in full_tour}
    assert titles == {
        "Rome: Colosseum, Roman Forum and Palatine Hill Guided Tour",
        "Skip-the-Line Colosseum, Forum & Palatine Hill Tour",
    }
    longer, shorter = max(map(minutes, full_tour)), min(map(minutes, full_tour))
    assert longer - shorter <= 0.25 * longer
    assert all("colosseum" in o.experience.title.lower() for o in [*gyg, *via])


async def test_aggregation_merges_the_same_tour_and_keeps_near_misses_apart(
    providers: dict[str, ExperienceProvider],
) -> None:
    """Every supplier's Rome offers go through the aggregation's experience matcher."""
    matcher = matcher_for("experiences")
    groups: dict[str, list[offer_pb2.Offer]] = {}
    for code in SUPPLIERS:
        for offer in await providers[code].search_experiences(ROME, timeout_s=5):
            found = matcher.find(offer)
            if found is None:
                found = f"offer-{len(groups)}"
                matcher.remember(found, offer)
            groups.setdefault(found, []).append(offer)

    def group_of(title: str) -> list[str]:
        group = next(g for g in groups.values() if any(o.experience.title == title for o in g))
        return sorted(o.provider_prices[0].provider for o in group)

    assert group_of("Rome: Colosseum, Roman Forum and Palatine Hill Guided Tour") == [
        "getyourguide",
        "hotelbeds",
        "viator",
    ]
    assert group_of("Rome: Colosseum Express Guided Tour") == ["getyourguide", "viator"]
    assert group_of("Full-Day Vatican Museums, Sistine Chapel & St Peter's Tour") == [
        "getyourguide",
        "viator",
    ]
    for group in groups.values():
        providers_in_group = [o.provider_prices[0].provider for o in group]
        assert len(providers_in_group) == len(set(providers_in_group))


async def test_getyourguide_fetches_start_times_of_the_first_tours(
    http: aiohttp.ClientSession, settings: Settings, sandbox: RunningSandbox
) -> None:
    adapter = GetYourGuideExperiences(http, settings, slot_lookups=3)

    offers = await adapter.search_experiences(ROME, timeout_s=5)

    assert received(sandbox, "getyourguide", "GET /1/tours/{tour_id}/availabilities") == 3
    with_slots = [o for o in offers if o.experience.time_slots]
    assert 1 <= len(with_slots) <= 3
    for offer in with_slots:
        days = {s.start_local_time[:10] for s in offer.experience.time_slots}
        assert days <= {str(FIRST + dt.timedelta(days=n)) for n in range(3)}
        assert all(s.places_left > 0 for s in offer.experience.time_slots)


async def test_getyourguide_skips_start_times_when_time_is_short(
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    await sandbox_control.set("getyourguide", latency="300ms")
    adapter = GetYourGuideExperiences(http, settings)

    offers = await adapter.search_experiences(ROME, timeout_s=0.6)

    assert offers
    assert not any(o.experience.time_slots for o in offers)
    assert received(sandbox, "getyourguide") == 1


async def test_hotelbeds_gives_time_slots_and_cancellation_deadlines(
    providers: dict[str, ExperienceProvider],
) -> None:
    offers = await providers["hotelbeds"].search_experiences(ROME, timeout_s=5)

    assert any(o.experience.time_slots for o in offers)
    refundable = [o for o in offers if o.conditions.refund == common_pb2.CONDITION_STATUS_ALLOWED]
    assert refundable
    for offer in refundable:
        free, full = offer.conditions.cancellation_deadlines
        assert (free.penalty.units, free.penalty.nanos) == (0, 0)
        assert full.penalty == offer.price.total
        assert full.deadline_time.seconds - free.deadline_time.seconds == 24 * 3600
    final = [o for o in offers if o.conditions.refund == common_pb2.CONDITION_STATUS_NOT_ALLOWED]
    assert all(len(o.conditions.cancellation_deadlines) == 1 for o in final)


async def test_viator_reads_destinations_once_for_many_searches(
    providers: dict[str, ExperienceProvider], sandbox: RunningSandbox
) -> None:
    for search in (ROME, COLOSSEUM, ExperienceSearch("CDG", FIRST, FIRST)):
        assert await providers["viator"].search_experiences(search, timeout_s=5)

    assert received(sandbox, "viator", "GET /v1/taxonomy/destinations") == 1
    assert received(sandbox, "viator", "POST /search/freetext") == 1
    assert received(sandbox, "viator", "POST /products/search") == 2


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_prices_are_in_the_supplier_currency_asked_for_when_possible(
    code: str, providers: dict[str, ExperienceProvider]
) -> None:
    search = ExperienceSearch("JFK", FIRST, FIRST, currency="USD")

    offers = await providers[code].search_experiences(search, timeout_s=5)

    expected = "EUR" if code == "hotelbeds" else "USD"
    assert {o.price.total.currency_code for o in offers} == {expected}
    assert {o.experience.location.city_code for o in offers} == {"NYC"}


# Credentials.


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_wrong_credentials_raise_authentication_error(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox_control: SandboxControl,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = settings.model_copy(update={k: SecretStr(v) for k, v in WRONG_SECRETS.items()})

    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as raised:
        await build(code, http, wrong).search_experiences(ROME, timeout_s=5)

    assert raised.value.provider == code
    assert raised.value.http_status in (401, 403)
    assert_no_secret_in(str(raised.value), caplog.records)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_missing_credentials_fail_before_any_call(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    adapter = build(code, http, settings.model_copy(update=NO_SECRETS))

    with pytest.raises(AuthenticationError, match="not configured"):
        await adapter.search_experiences(ROME, timeout_s=5)

    assert received(sandbox, code) == 0


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_logs_and_answers_never_carry_credentials(
    code: str, providers: dict[str, ExperienceProvider], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await providers[code].search_experiences(COLOSSEUM, timeout_s=5)

    calls = [r for r in caplog.records if r.getMessage() == "upstream call"]
    assert calls
    assert all(fields_of(r).get("provider") == code for r in calls)
    assert_no_secret_in("", caplog.records)


def assert_no_secret_in(text: str, records: list[logging.LogRecord]) -> None:
    secrets = [*SANDBOX_CREDENTIALS.values(), *WRONG_SECRETS.values()]
    logged = [text, *(r.getMessage() for r in records)]
    logged += [str(value) for r in records for value in vars(r).values()]
    assert not [s for s in secrets if any(s in line for line in logged)]


# Faults.


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_throttling_raises_rate_limited_with_retry_after(
    code: str, providers: dict[str, ExperienceProvider], sandbox_control: SandboxControl
) -> None:
    """Hotelbeds throttles with its gateway's 403 "Developer Over QPS", the others with 429."""
    await sandbox_control.set(code, rate_429=1.0, retry_after_s=4)

    with pytest.raises(RateLimitedError) as raised:
        await providers[code].search_experiences(ROME, timeout_s=5)

    assert raised.value.retryable
    assert raised.value.http_status == (403 if code == "hotelbeds" else 429)
    assert raised.value.retry_after == 4


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_server_error_is_upstream(
    code: str, providers: dict[str, ExperienceProvider], sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, error_rate=1.0)

    with pytest.raises(UpstreamError) as raised:
        await providers[code].search_experiences(ROME, timeout_s=5)

    assert raised.value.http_status == 500


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_slow_supplier_raises_timeout_within_the_budget(
    code: str, providers: dict[str, ExperienceProvider], sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, latency="3s")
    started = time.monotonic()

    with pytest.raises(ProviderTimeoutError):
        await providers[code].search_experiences(ROME, timeout_s=0.4)

    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_unreachable_supplier_is_unavailable(
    code: str, http: aiohttp.ClientSession, settings: Settings
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    fields = ("getyourguide_base_url", "viator_base_url", "hotelbeds_base_url")
    nowhere = settings.model_copy(update=dict.fromkeys(fields, closed))

    with pytest.raises(ProviderUnavailableError):
        await build(code, http, nowhere).search_experiences(ROME, timeout_s=2)


# Error answers.


def reply(status: int, body: bytes, **headers: str) -> Reply:
    return Reply(status, CIMultiDict(headers), body)


def gyg_error(status: int, code: int, *, as_object: bool = False) -> Reply:
    item = {"errorCode": code, "errorMessage": "x"}
    return reply(status, orjson.dumps({"status": "ERROR", "errors": item if as_object else [item]}))


def viator_error(status: int, code: str) -> Reply:
    return reply(status, orjson.dumps({"code": code, "message": f"{code} happened"}))


def gateway(status: int, text: str, error_code: str) -> Reply:
    return reply(status, orjson.dumps({"error": text}), **{"X-Mashery-Error-Code": error_code})


def activities_error(status: int, code: str) -> Reply:
    return reply(status, orjson.dumps({"errors": [{"code": code, "text": "x"}]}))


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (gyg_error(401, 25), AuthenticationError),
        (gyg_error(400, 25, as_object=True), AuthenticationError),
        (reply(403, b""), AuthenticationError),
        (gyg_error(400, 2), InvalidRequestError),
        (reply(429, b"Too Many Requests", **{"Retry-After": "9"}), RateLimitedError),
        (reply(500, b"<html>oops</html>"), UpstreamError),
    ],
)
def test_getyourguide_error_answers_map_to_our_errors(answer: Reply, kind: type[Exception]) -> None:
    assert type(getyourguide.error_from(answer)) is kind


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (viator_error(401, "UNAUTHORIZED"), AuthenticationError),
        (viator_error(403, "FORBIDDEN"), AuthenticationError),
        (viator_error(400, "INVALID_HEADER_VALUE"), InvalidRequestError),
        (viator_error(406, "NOT_ACCEPTABLE"), InvalidRequestError),
        (viator_error(429, "TOO_MANY_REQUESTS"), RateLimitedError),
        (reply(503, b"Service Unavailable"), UpstreamError),
    ],
)
def test_viator_error_answers_map_to_our_errors(answer: Reply, kind: type[Exception]) -> None:
    assert type(viator.error_from(answer)) is kind


def test_viator_echoed_key_is_scrubbed_and_429_waits_two_seconds() -> None:
    echoed = reply(401, b'{"code":"UNAUTHORIZED","message":"Access denied for API key: s3cr3t"}')
    limited = viator.error_from(reply(429, b'{"code":"TOO_MANY_REQUESTS","message":"slow"}'))

    assert "s3cr3t" not in str(viator.error_from(echoed, ("s3cr3t",)))
    assert isinstance(limited, RateLimitedError)
    assert limited.retry_after == 2.0


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (reply(401, b'{"error":"Authorization field missing"}'), AuthenticationError),
        (gateway(403, "Not Authorized", "ERR_403_NOT_AUTHORIZED"), AuthenticationError),
        (gateway(403, "Developer Over QPS", "ERR_403_DEVELOPER_OVER_QPS"), RateLimitedError),
        (gateway(403, "Developer Over Rate", "ERR_403_DEVELOPER_OVER_RATE"), QuotaExceededError),
        (activities_error(400, "INVALID_DATA"), InvalidRequestError),
        (activities_error(200, "INVALID_REQUEST"), InvalidRequestError),
        (reply(400, b'{"error":{"code":"INVALID_REQUEST","message":"x"}}'), InvalidRequestError),
        (reply(500, b'{"error":{"code":"SYSTEM_ERROR","message":"x"}}'), UpstreamError),
        (activities_error(200, "SYSTEM_ERROR"), UpstreamError),
    ],
)
def test_hotelbeds_activities_error_answers_map_to_our_errors(
    answer: Reply, kind: type[Exception]
) -> None:
    assert type(hotelbeds_activities.error_from(answer)) is kind


def test_error_messages_name_the_problem() -> None:
    gyg = getyourguide.error_from(
        reply(401, b'{"status":"ERROR","errors":[{"errorCode":25,"errorMessage":"Unauthorized."}]}')
    )
    beds = hotelbeds_activities.error_from(
        reply(400, b'{"errors":[{"code":"INVALID_DATA","text":"to is before from"}]}')
    )

    assert "error 25: Unauthorized." in str(gyg)
    assert "INVALID_DATA: to is before from" in str(beds)

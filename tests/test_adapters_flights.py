"""The flight adapters against the sandbox suppliers over real HTTP on loopback.

Each test builds its adapters on a fresh ``aiohttp`` session pointed at the shared sandbox;
``sandbox_control`` resets the sandbox's knobs and counters around every test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import socket
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
from guidera.v1 import common_pb2
from multidict import CIMultiDict
from pydantic import SecretStr

from guidera_grpc.config import SANDBOX_CREDENTIALS, Settings
from guidera_grpc.logs import fields_of
from guidera_grpc.providers.amadeus import AmadeusFlights, is_stale_token
from guidera_grpc.providers.amadeus import error_from as amadeus_error_from
from guidera_grpc.providers.base import FlightProvider
from guidera_grpc.providers.duffel import error_from as duffel_error_from
from guidera_grpc.providers.duffel import supplier_timeout_ms
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    QuotaExceededError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.providers.http import Reply, retry_after_s
from guidera_grpc.providers.kiwi import error_from as kiwi_error_from
from guidera_grpc.providers.registry import build_flight_providers
from guidera_grpc.sandbox import RunningSandbox, start_sandbox
from guidera_grpc.search.params import FlightSearch, SliceSpec
from tests.server_fixtures import SandboxControl

SUPPLIERS = ("amadeus", "duffel", "kiwi")
TOKEN_ENDPOINT = "POST /v1/security/oauth2/token"
AMADEUS_SEARCH = "GET /v2/shopping/flight-offers"
WRONG_SECRETS = {
    "amadeus_client_id": "wrong-amadeus-client",
    "amadeus_client_secret": "wrong-amadeus-secret-value",
    "duffel_access_token": "duffel_test_wrong_token_value",
    "kiwi_api_key": "wrong-kiwi-key-value",
}
NO_SECRETS = dict.fromkeys(WRONG_SECRETS)


def days_ahead(days: int) -> dt.date:
    return dt.date.today() + dt.timedelta(days=days)


ONE_WAY = FlightSearch(slices=(SliceSpec("JFK", "LHR", days_ahead(60)),), adults=1)
RETURN = FlightSearch(
    slices=(SliceSpec("LHR", "JFK", days_ahead(50)), SliceSpec("JFK", "LHR", days_ahead(57))),
    adults=2,
    child_ages=(8,),
    infants=1,
    cabin=common_pb2.CABIN_ECONOMY,
    max_connections=1,
)
MULTI_CITY = FlightSearch(
    slices=(
        SliceSpec("JFK", "LHR", days_ahead(40)),
        SliceSpec("LHR", "CDG", days_ahead(44)),
        SliceSpec("CDG", "JFK", days_ahead(48)),
    ),
    adults=1,
)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def settings(sandbox: RunningSandbox) -> Settings:
    return Settings().with_sandbox(sandbox.url)


@pytest.fixture
def providers(
    http: aiohttp.ClientSession, settings: Settings, sandbox_control: SandboxControl
) -> dict[str, FlightProvider]:
    return build_flight_providers(http, settings)


def received(sandbox: RunningSandbox, supplier: str, endpoint: str | None = None) -> int:
    counters = sandbox.stats.counters(supplier)
    return counters.received[endpoint] if endpoint else sum(counters.received.values())


# Searches.


def test_registry_builds_every_flight_supplier(providers: dict[str, FlightProvider]) -> None:
    assert set(providers) == set(SUPPLIERS)
    assert all(code == provider.code for code, provider in providers.items())


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_one_way_search_returns_normalized_offers(
    code: str, providers: dict[str, FlightProvider]
) -> None:
    offers = await providers[code].search_flights(ONE_WAY, timeout_s=5)

    assert offers
    for offer in offers:
        assert offer.category == common_pb2.CATEGORY_FLIGHTS
        assert [p.provider for p in offer.provider_prices] == [code]
        assert offer.provider_prices[0].provider_offer_id
        assert offer.price == offer.provider_prices[0].price
        assert offer.price.total.units > 0
        assert len(offer.flight.slices) == 1
        journey = offer.flight.slices[0]
        assert (journey.origin.iata_code, journey.destination.iata_code) == ("JFK", "LHR")
        for segment in journey.segments:
            assert segment.marketing_carrier.iata_code
            assert segment.HasField("departure_time")
            assert segment.HasField("arrival_time")
            assert segment.arrival_time.ToDatetime() > segment.departure_time.ToDatetime()


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_return_search_gives_two_slices_within_max_connections(
    code: str, providers: dict[str, FlightProvider]
) -> None:
    offers = await providers[code].search_flights(RETURN, timeout_s=5)

    assert offers
    for offer in offers:
        outbound, inbound = offer.flight.slices
        assert (outbound.origin.iata_code, inbound.destination.iata_code) == ("LHR", "LHR")
        assert all(len(s.segments) <= 2 for s in offer.flight.slices)


@pytest.mark.parametrize("code", ["amadeus", "duffel"])
async def test_multi_city_search_gives_every_slice(
    code: str, providers: dict[str, FlightProvider], sandbox: RunningSandbox
) -> None:
    offers = await providers[code].search_flights(MULTI_CITY, timeout_s=5)

    assert offers
    assert all(len(o.flight.slices) == 3 for o in offers)
    if code == "amadeus":
        assert received(sandbox, "amadeus", "POST /v2/shopping/flight-offers") == 1


async def test_kiwi_refuses_multi_city_without_calling(
    providers: dict[str, FlightProvider], sandbox: RunningSandbox
) -> None:
    with pytest.raises(InvalidRequestError, match="one-way and return"):
        await providers["kiwi"].search_flights(MULTI_CITY, timeout_s=5)

    assert received(sandbox, "kiwi") == 0


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
    provider = build_flight_providers(http, wrong)[code]

    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as raised:
        await provider.search_flights(ONE_WAY, timeout_s=5)

    assert raised.value.provider == code
    assert_no_secret_in(str(raised.value), caplog.records)


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_missing_credentials_fail_before_any_call(
    code: str,
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    provider = build_flight_providers(http, settings.model_copy(update=NO_SECRETS))[code]

    with pytest.raises(AuthenticationError, match="not configured"):
        await provider.search_flights(ONE_WAY, timeout_s=5)

    assert received(sandbox, code) == 0


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_logs_and_answers_never_carry_credentials(
    code: str, providers: dict[str, FlightProvider], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await providers[code].search_flights(ONE_WAY, timeout_s=5)

    calls = [r for r in caplog.records if r.getMessage() == "upstream call"]
    assert calls
    assert all(fields_of(r).get("provider") == code for r in calls)
    assert_no_secret_in("", caplog.records)


def assert_no_secret_in(text: str, records: list[logging.LogRecord]) -> None:
    secrets = [*SANDBOX_CREDENTIALS.values(), *WRONG_SECRETS.values()]
    logged = [text, *(r.getMessage() for r in records)]
    logged += [str(value) for r in records for value in vars(r).values()]
    assert not [s for s in secrets if any(s in line for line in logged)]


# Amadeus tokens.


async def test_amadeus_token_is_fetched_once_for_many_searches(
    providers: dict[str, FlightProvider], sandbox: RunningSandbox
) -> None:
    amadeus = providers["amadeus"]

    await asyncio.gather(*(amadeus.search_flights(ONE_WAY, timeout_s=5) for _ in range(5)))
    await amadeus.search_flights(RETURN, timeout_s=5)

    assert received(sandbox, "amadeus", TOKEN_ENDPOINT) == 1
    assert received(sandbox, "amadeus", AMADEUS_SEARCH) == 6


async def test_amadeus_fetches_a_new_token_after_a_401_and_retries_once(
    http: aiohttp.ClientSession, settings: Settings
) -> None:
    """A supplier that forgot its tokens (here: restarted) answers 401 38190; one retry cures it."""
    first = await start_sandbox(port=0)
    port = first.port
    amadeus = AmadeusFlights(
        http, settings.model_copy(update={"amadeus_base_url": f"{first.url}/amadeus"})
    )
    await amadeus.search_flights(ONE_WAY, timeout_s=5)
    await first.stop()

    async with await start_sandbox(port=port) as restarted:
        offers = await amadeus.search_flights(ONE_WAY, timeout_s=5)
        counters = restarted.stats.counters("amadeus")

    assert offers
    assert counters.received[TOKEN_ENDPOINT] == 1
    assert counters.received[AMADEUS_SEARCH] == 2
    assert counters.statuses["401"] == 1


async def test_amadeus_refreshes_ahead_of_expiry_without_a_401(
    http: aiohttp.ClientSession,
    settings: Settings,
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    """A token that lives less than the 30 s margin is replaced before each use."""
    await sandbox_control.set("amadeus", token_ttl_s=20)
    amadeus = AmadeusFlights(http, settings)

    await amadeus.search_flights(ONE_WAY, timeout_s=5)
    await amadeus.search_flights(ONE_WAY, timeout_s=5)

    assert received(sandbox, "amadeus", TOKEN_ENDPOINT) == 2
    assert sandbox.stats.counters("amadeus").statuses["401"] == 0


# Faults.


@pytest.mark.parametrize(("code", "least"), [("amadeus", 7), ("duffel", 5.5), ("kiwi", 7)])
async def test_429_raises_rate_limited_with_retry_after(
    code: str,
    least: float,
    providers: dict[str, FlightProvider],
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    """Duffel's ``ratelimit-reset`` is an HTTP-date: whole seconds, so up to one is lost."""
    await sandbox_control.set(code, rate_429=1.0, retry_after_s=7)

    with pytest.raises(RateLimitedError) as raised:
        await providers[code].search_flights(ONE_WAY, timeout_s=5)

    assert raised.value.retryable
    assert raised.value.http_status == 429
    assert raised.value.retry_after is not None
    assert least <= raised.value.retry_after <= 7


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_a_slow_supplier_raises_timeout_within_the_budget(
    code: str, providers: dict[str, FlightProvider], sandbox_control: SandboxControl
) -> None:
    await sandbox_control.set(code, latency="3s")
    started = time.monotonic()

    with pytest.raises(ProviderTimeoutError) as raised:
        await providers[code].search_flights(ONE_WAY, timeout_s=0.4)

    assert time.monotonic() - started < 1.5
    assert raised.value.retryable


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_server_error_is_upstream_and_not_retried(
    code: str,
    providers: dict[str, FlightProvider],
    sandbox: RunningSandbox,
    sandbox_control: SandboxControl,
) -> None:
    await sandbox_control.set(code, error_rate=1.0)

    with pytest.raises(UpstreamError) as raised:
        await providers[code].search_flights(ONE_WAY, timeout_s=5)

    assert raised.value.http_status == 500
    assert received(sandbox, code) - received(sandbox, code, TOKEN_ENDPOINT) == 1


@pytest.mark.parametrize("code", SUPPLIERS)
async def test_unreachable_supplier_is_unavailable(
    code: str, http: aiohttp.ClientSession, settings: Settings
) -> None:
    closed = f"http://127.0.0.1:{closed_port()}"
    nowhere = settings.model_copy(update={f"{s}_base_url": closed for s in SUPPLIERS})

    with pytest.raises(ProviderUnavailableError, match="cannot connect"):
        await build_flight_providers(http, nowhere)[code].search_flights(ONE_WAY, timeout_s=5)


def closed_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    ("time_left_s", "expected_ms"),
    [(8.0, 7_500), (0.5, 2_000), (2.2, 2_000), (3.0, 2_500), (120.0, 60_000)],
)
def test_duffel_supplier_timeout_stays_below_ours_within_bounds(
    time_left_s: float, expected_ms: int
) -> None:
    assert supplier_timeout_ms(time_left_s) == expected_ms


# Error answers, as each supplier shapes them.


def reply(status: int, body: object, headers: dict[str, str] | None = None) -> Reply:
    """A supplier answer: JSON unless ``body`` is already text."""
    if isinstance(body, str):
        raw, content_type = body.encode(), "text/plain"
    else:
        raw, content_type = orjson.dumps(body), "application/json"
    return Reply(status, CIMultiDict({"Content-Type": content_type, **(headers or {})}), raw)


def amadeus_issue(
    status: int | str, code: int | str, title: str, **extra: object
) -> dict[str, object]:
    return {"errors": [{"status": status, "code": code, "title": title, **extra}]}


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (reply(401, amadeus_issue("401", "38191", "Invalid HTTP header")), AuthenticationError),
        (reply(401, {"error": "invalid_client", "code": 38187}), AuthenticationError),
        (reply(400, {"error": "unsupported_grant_type", "code": 38187}), InvalidRequestError),
        (reply(401, amadeus_issue(401, 39686, "Invalid API key")), AuthenticationError),
        (reply(403, amadeus_issue(403, 38197, "Forbidden")), AuthenticationError),
        (reply(404, amadeus_issue(404, 38196, "Resource not found")), InvalidRequestError),
        (reply(429, amadeus_issue("429", "38195", "Quota limit exceeded")), QuotaExceededError),
        (reply(500, amadeus_issue(500, 38189, "Internal error")), UpstreamError),
        (reply(502, "<html><body>Bad gateway</body></html>"), UpstreamError),
    ],
)
def test_amadeus_error_answers_map_to_our_errors(answer: Reply, kind: type[Exception]) -> None:
    error = amadeus_error_from(answer)

    assert type(error) is kind
    assert error.http_status == answer.status


def test_amadeus_quota_is_not_retryable_but_rate_limit_is() -> None:
    quota = amadeus_error_from(reply(429, amadeus_issue(429, 38195, "Quota limit exceeded")))
    limited = amadeus_error_from(
        reply(429, amadeus_issue(429, 38194, "Too many requests"), {"Retry-After": "3"})
    )

    assert isinstance(quota, RateLimitedError)
    assert not quota.retryable
    assert type(limited) is RateLimitedError
    assert limited.retryable
    assert limited.retry_after == 3


def test_amadeus_error_message_names_the_parameter_and_hides_secrets() -> None:
    body = amadeus_issue(
        400, 477, "INVALID FORMAT", detail="bad value s3cr3t", source={"parameter": "departureDate"}
    )

    error = amadeus_error_from(reply(400, body), ("s3cr3t",))

    assert "[477] INVALID FORMAT" in error.message
    assert "departureDate" in error.message
    assert "s3cr3t" not in str(error)


@pytest.mark.parametrize("code", [38190, "38192", 38193])
def test_amadeus_stale_token_codes_call_for_a_new_token(code: int | str) -> None:
    assert is_stale_token(reply(401, amadeus_issue(401, code, "Access token expired")))


@pytest.mark.parametrize("code", [38187, 38191, 39683])
def test_amadeus_other_401s_are_final(code: int) -> None:
    assert not is_stale_token(reply(401, amadeus_issue(401, code, "Unauthorized")))


def duffel_errors(status: int, **item: object) -> dict[str, object]:
    return {"meta": {"status": status, "request_id": "FZW0H3HdJwKk5HMAAmCB"}, "errors": [item]}


def test_duffel_trusts_the_status_line_and_reads_ratelimit_reset() -> None:
    """The body says 400, the status line 429; the reset is an HTTP-date five seconds away."""
    reset = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    answer = reply(
        429,
        duffel_errors(400, type="rate_limit_error", code="rate_limit_exceeded"),
        {"ratelimit-reset": email.utils.format_datetime(reset, usegmt=True)},
    )

    error = duffel_error_from(answer)

    assert isinstance(error, RateLimitedError)
    assert error.retry_after is not None
    assert 3.5 <= error.retry_after <= 5


def test_duffel_errors_in_a_2xx_answer_are_errors_with_a_string_source() -> None:
    answer = reply(
        200, duffel_errors(200, type="airline_error", code="airline_unknown", source="iberia")
    )

    error = duffel_error_from(answer)

    assert isinstance(error, UpstreamError)
    assert "iberia" in error.message
    assert "FZW0H3HdJwKk5HMAAmCB" in error.message


def test_duffel_validation_error_points_at_the_field() -> None:
    item = {
        "type": "validation_error",
        "code": "validation_required",
        "message": "Field 'slices' is required",
        "source": {"pointer": "/slices", "field": "slices"},
    }

    error = duffel_error_from(reply(422, duffel_errors(422, **item)))

    assert isinstance(error, InvalidRequestError)
    assert "/slices" in error.message


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (reply(401, duffel_errors(401, type="authentication_error")), AuthenticationError),
        (reply(503, "<html>maintenance</html>"), UpstreamError),
        (reply(400, duffel_errors(400, type="invalid_request_error")), InvalidRequestError),
    ],
)
def test_duffel_error_answers_map_to_our_errors(answer: Reply, kind: type[Exception]) -> None:
    assert type(duffel_error_from(answer)) is kind


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (reply(403, "unknown partner provided"), AuthenticationError),
        (
            reply(400, {"status": "Bad Request", "error": "unknown partner provided - register"}),
            AuthenticationError,
        ),
        (
            reply(400, {"status": "Bad Request", "error": "couldn't validate request parameters"}),
            InvalidRequestError,
        ),
        (reply(429, {"status": "Too Many Requests", "error": "slow down"}), RateLimitedError),
        (reply(500, {"status": "Internal Server Error", "error": "oops"}), UpstreamError),
    ],
)
def test_kiwi_error_answers_map_to_our_errors(answer: Reply, kind: type[Exception]) -> None:
    error = kiwi_error_from(answer)

    assert type(error) is kind
    assert error.message.startswith(f"HTTP {answer.status}")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(
    headers: dict[str, str], expected: float | None
) -> None:
    assert retry_after_s(CIMultiDict(headers)) == expected

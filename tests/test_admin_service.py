"""AdminService against a real server: each RPC's answer, its refusals, and its effects on
routing, circuits, the cache and exchange rates."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import asyncpg
import grpc
import pytest
from guidera.v1 import admin_service_pb2 as pb
from guidera.v1 import common_pb2

from guidera_grpc.sandbox import RunningSandbox
from tests.admin_kit import AdminRig, bad_fields, open_rig
from tests.pg import PgCluster
from tests.searching import collect, flight_request, of_kind


@pytest.fixture(scope="module")
async def rig(pg_cluster: PgCluster, sandbox: RunningSandbox) -> AsyncIterator[AdminRig]:
    """A service of this module's own, with AdminService beside it."""
    async for opened in open_rig(pg_cluster, sandbox):
        yield opened


async def _refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def _planned(rig: AdminRig) -> list[str]:
    events = await collect(rig.search.Search(flight_request(wait_for_all=True), timeout=30))
    started = of_kind(events, "started")[0].event.started
    return [candidate.provider for candidate in started.plan.selected]


async def test_lists_pages_of_providers_and_gets_one(rig: AdminRig) -> None:
    """Providers come in pages joined by tokens; one provider comes with its profile."""
    first = await rig.admin.ListProviders(pb.ListProvidersRequest(page_size=3))
    second = await rig.admin.ListProviders(
        pb.ListProvidersRequest(page_size=100, page_token=first.next_page_token)
    )
    codes = [p.code for p in [*first.providers, *second.providers]]
    assert len(first.providers) == 3
    assert first.next_page_token
    assert not second.next_page_token
    assert len(codes) == len(set(codes)) >= 8

    got = await rig.admin.GetProvider(pb.GetProviderRequest(code="duffel"))
    assert got.provider.code == "duffel"
    assert got.provider.rate_limit_per_minute > 0

    flights = await rig.admin.ListProviders(
        pb.ListProvidersRequest(category=common_pb2.CATEGORY_FLIGHTS)
    )
    assert {"amadeus", "duffel", "kiwi"} <= {p.code for p in flights.providers}


async def test_refuses_unknown_providers_and_bad_pages(rig: AdminRig) -> None:
    """An unknown code is NOT_FOUND; a malformed code or a foreign token is INVALID_ARGUMENT."""
    missing = await _refused(rig.admin.GetProvider(pb.GetProviderRequest(code="nobody")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND

    malformed = await _refused(rig.admin.GetProvider(pb.GetProviderRequest(code="Bad Code!")))
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert bad_fields(malformed) == {"code"}

    paging = await _refused(
        rig.admin.ListProviders(pb.ListProvidersRequest(page_size=-1, page_token="garbage"))
    )
    assert bad_fields(paging) == {"page_size", "page_token"}


async def test_update_provider_checks_every_field(rig: AdminRig) -> None:
    """Out-of-range values and unknown field names are refused together, naming each."""
    request = pb.UpdateProviderRequest(
        provider=pb.Provider(
            code="kiwi",
            priority=500,
            status="sleepy",
            rate_limit_per_minute=0,
            strong_regions=["mars"],
        ),
        update_fields=["priority", "status", "rate_limit_per_minute", "strong_regions", "colour"],
    )
    error = await _refused(rig.admin.UpdateProvider(request))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert {
        "provider.priority",
        "provider.status",
        "provider.rate_limit_per_minute",
        "provider.strong_regions[0]",
        "update_fields[4]",
    } <= bad_fields(error)


async def test_disabling_a_provider_routes_searches_around_it(rig: AdminRig) -> None:
    """A provider switched off through the API is left out of the very next search."""
    before = await _planned(rig)
    victim = before[0]

    updated = await rig.admin.UpdateProvider(
        pb.UpdateProviderRequest(
            provider=pb.Provider(code=victim, enabled=False, priority=7),
            update_fields=["enabled", "priority"],
        )
    )
    after = await _planned(rig)

    assert not updated.provider.enabled
    assert updated.provider.priority == 7
    assert victim not in after
    assert after
    await rig.admin.UpdateProvider(
        pb.UpdateProviderRequest(
            provider=pb.Provider(code=victim, enabled=True), update_fields=["enabled"]
        )
    )
    assert victim in await _planned(rig)
    trail = await rig.admin.ListAuditEntries(pb.ListAuditEntriesRequest())
    changes = [(e.action, e.target) for e in trail.entries]
    assert changes[:2] == [("update_provider", victim), ("update_provider", victim)]
    assert '"enabled"' in trail.entries[1].details_json


async def test_credentials_are_sealed_and_never_logged(
    rig: AdminRig, caplog: pytest.LogCaptureFixture
) -> None:
    """Only a fingerprint comes back; the database holds ciphertext; no log line has the secret."""
    secret = "s3cr3t-Value-that-must-not-leak"
    with caplog.at_level(logging.DEBUG):
        first = await rig.admin.SetProviderCredential(
            pb.SetProviderCredentialRequest(
                provider="amadeus", environment="sandbox", name="client_secret", value=secret
            )
        )
        rotated = await rig.admin.SetProviderCredential(
            pb.SetProviderCredentialRequest(
                provider="amadeus", environment="sandbox", name="client_secret", value=secret + "2"
            )
        )
        shown = await rig.admin.GetProvider(pb.GetProviderRequest(code="amadeus"))

    connection = await asyncpg.connect(rig.dsn)
    try:
        stored = await connection.fetchval(
            "SELECT secret_encrypted FROM provider_credentials"
            " WHERE provider = 'amadeus' AND environment = 'sandbox'"
        )
    finally:
        await connection.close()
    assert first.fingerprint
    assert rotated.fingerprint != first.fingerprint
    assert list(rotated.names) == ["client_secret"]
    assert secret.encode() not in bytes(stored)
    assert [(c.environment, c.fingerprint) for c in shown.credentials] == [
        ("sandbox", rotated.fingerprint)
    ]
    assert secret not in str(shown)
    assert caplog.records
    assert all(secret not in r.getMessage() for r in caplog.records)
    assert all(secret not in str(r.__dict__) for r in caplog.records)


async def test_credential_requests_are_checked(rig: AdminRig) -> None:
    """A bad environment, name or empty value is refused; an unknown provider is NOT_FOUND."""
    error = await _refused(
        rig.admin.SetProviderCredential(
            pb.SetProviderCredentialRequest(provider="amadeus", environment="staging", name="X")
        )
    )
    assert bad_fields(error) == {"environment", "name", "value"}

    missing = await _refused(
        rig.admin.SetProviderCredential(
            pb.SetProviderCredentialRequest(
                provider="nobody", environment="test", name="key", value="v"
            )
        )
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND


async def test_routing_rules_are_created_updated_listed_and_deleted(rig: AdminRig) -> None:
    """A valid rule round-trips; an update changes only the named fields; delete removes it."""
    created = await rig.admin.CreateRoutingRule(
        pb.CreateRoutingRuleRequest(
            rule=pb.RoutingRule(
                name="kiwi_in_europe",
                priority=300,
                enabled=True,
                conditions_json='{"category": "flights", "region": ["europe"], "hour_from": 6}',
                provider="kiwi",
                boost=15,
            )
        )
    )
    updated = await rig.admin.UpdateRoutingRule(
        pb.UpdateRoutingRuleRequest(
            rule=pb.RoutingRule(rule_id=created.rule.rule_id, boost=-20, priority=1),
            update_fields=["boost"],
        )
    )
    listed = await rig.admin.ListRoutingRules(pb.ListRoutingRulesRequest(page_size=500))

    assert updated.rule.boost == -20
    assert updated.rule.priority == 300
    assert created.rule.rule_id in {r.rule_id for r in listed.rules}
    await rig.admin.DeleteRoutingRule(pb.DeleteRoutingRuleRequest(rule_id=created.rule.rule_id))
    gone = await _refused(
        rig.admin.DeleteRoutingRule(pb.DeleteRoutingRuleRequest(rule_id=created.rule.rule_id))
    )
    assert gone.code() == grpc.StatusCode.NOT_FOUND


async def test_rule_conditions_and_bounds_are_checked(rig: AdminRig) -> None:
    """Unknown condition keys, bad values, an unknown provider and a big boost are named."""
    error = await _refused(
        rig.admin.CreateRoutingRule(
            pb.CreateRoutingRuleRequest(
                rule=pb.RoutingRule(
                    name="Bad Name",
                    priority=5000,
                    conditions_json='{"planet": "mars", "region": "atlantis", "hour_to": 25}',
                    provider="nobody",
                    boost=1000.5,
                )
            )
        )
    )
    assert bad_fields(error) == {
        "rule.name",
        "rule.priority",
        "rule.provider",
        "rule.boost",
        "rule.conditions_json",
        "rule.conditions_json.region",
        "rule.conditions_json.hour_to",
    }
    not_object = await _refused(
        rig.admin.CreateRoutingRule(
            pb.CreateRoutingRuleRequest(
                rule=pb.RoutingRule(name="ok", conditions_json="[1]", provider="kiwi")
            )
        )
    )
    assert bad_fields(not_object) == {"rule.conditions_json"}
    bad_id = await _refused(rig.admin.DeleteRoutingRule(pb.DeleteRoutingRuleRequest(rule_id="x")))
    assert bad_fields(bad_id) == {"rule_id"}


async def test_fallback_chains_are_set_listed_and_deleted(rig: AdminRig) -> None:
    """A chain of flight sellers is stored; a hotel seller in it is refused."""
    stored = await rig.admin.SetFallbackChain(
        pb.SetFallbackChainRequest(
            chain=pb.FallbackChain(
                category=common_pb2.CATEGORY_FLIGHTS, region="oceania", providers=["kiwi", "duffel"]
            )
        )
    )
    listed = await rig.admin.ListFallbackChains(
        pb.ListFallbackChainsRequest(category=common_pb2.CATEGORY_FLIGHTS)
    )
    assert list(stored.chain.providers) == ["kiwi", "duffel"]
    assert ("oceania", ["kiwi", "duffel"]) in [(c.region, list(c.providers)) for c in listed.chains]

    wrong = await _refused(
        rig.admin.SetFallbackChain(
            pb.SetFallbackChainRequest(
                chain=pb.FallbackChain(
                    category=common_pb2.CATEGORY_FLIGHTS, region="moon", providers=["hotelbeds"]
                )
            )
        )
    )
    assert bad_fields(wrong) == {"chain.region", "chain.providers[0]"}
    await rig.admin.DeleteFallbackChain(
        pb.DeleteFallbackChainRequest(category=common_pb2.CATEGORY_FLIGHTS, region="oceania")
    )
    gone = await _refused(
        rig.admin.DeleteFallbackChain(
            pb.DeleteFallbackChainRequest(category=common_pb2.CATEGORY_FLIGHTS, region="oceania")
        )
    )
    assert gone.code() == grpc.StatusCode.NOT_FOUND


async def test_circuits_are_listed_forced_open_and_reset(rig: AdminRig) -> None:
    """Every provider's circuit shows; forcing one open keeps searches off it until reset."""
    listed = await rig.admin.ListCircuits(pb.ListCircuitsRequest())
    assert {c.provider for c in listed.circuits} >= {"amadeus", "duffel", "kiwi"}

    opened = await rig.admin.ForceOpenCircuit(pb.ForceOpenCircuitRequest(provider="duffel"))
    health = await rig.admin.GetHealthSummary(pb.GetHealthSummaryRequest())
    planned = await _planned(rig)
    reset = await rig.admin.ResetCircuit(pb.ResetCircuitRequest(provider="duffel"))

    assert opened.circuit_state == "open"
    assert reset.circuit_state == "closed"
    assert {h.provider: h.circuit_state for h in health.providers}["duffel"] == "open"
    assert "duffel" not in planned
    missing = await _refused(rig.admin.ResetCircuit(pb.ResetCircuitRequest(provider="nobody")))
    assert missing.code() == grpc.StatusCode.NOT_FOUND


async def test_cost_summary_reads_the_period(rig: AdminRig) -> None:
    """The day's costs per provider and their total; a month must start on its first day."""
    connection = await asyncpg.connect(rig.dsn)
    try:
        await connection.execute(
            "INSERT INTO provider_costs (provider, period_type, period_start, searches, cost)"
            " VALUES ('kiwi', 'day', '2024-05-02', 10, 1.5), ('duffel', 'day', '2024-05-02', 4, 2)"
        )
    finally:
        await connection.close()

    day = await rig.admin.GetCostSummary(
        pb.GetCostSummaryRequest(period="day", period_start="2024-05-02")
    )
    assert [(p.provider, p.searches) for p in day.providers] == [("duffel", 4), ("kiwi", 10)]
    assert (day.total.units, day.total.nanos, day.total.currency_code) == (3, 500_000_000, "EUR")
    await rig.admin.GetCostSummary(pb.GetCostSummaryRequest(period="month"))

    error = await _refused(
        rig.admin.GetCostSummary(pb.GetCostSummaryRequest(period="year", period_start="2024-13-01"))
    )
    assert bad_fields(error) == {"period", "period_start"}


async def test_alerts_are_listed_newest_first_and_acknowledged(rig: AdminRig) -> None:
    """Open alerts list newest first; an acknowledged one leaves the default list."""
    connection = await asyncpg.connect(rig.dsn)
    try:
        older, newer = [
            await connection.fetchval(
                "INSERT INTO system_alerts (kind, severity, message, created_at)"
                f" VALUES ('test_alert', 'warning', $1, now() - interval '{age} minutes')"
                " RETURNING id",
                f"alert {age}",
            )
            for age in (10, 1)
        ]
    finally:
        await connection.close()

    listed = await rig.admin.ListAlerts(pb.ListAlertsRequest(page_size=100))
    ids = [a.alert_id for a in listed.alerts]
    assert ids.index(str(newer)) < ids.index(str(older))

    acked = await rig.admin.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=str(older)))
    assert acked.alert.HasField("acknowledge_time")
    still_open = await rig.admin.ListAlerts(pb.ListAlertsRequest(page_size=100))
    everything = await rig.admin.ListAlerts(
        pb.ListAlertsRequest(page_size=100, include_acknowledged=True)
    )
    assert str(older) not in {a.alert_id for a in still_open.alerts}
    assert str(older) in {a.alert_id for a in everything.alerts}

    missing = await _refused(
        rig.admin.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id="9999999"))
    )
    assert missing.code() == grpc.StatusCode.NOT_FOUND
    malformed = await _refused(rig.admin.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id="x")))
    assert bad_fields(malformed) == {"alert_id"}


async def test_purging_the_cache_drops_stored_searches(rig: AdminRig) -> None:
    """A cached search is purged by category; a bad search id is refused."""
    request = flight_request(wait_for_all=True, refresh=False)
    await collect(rig.search.Search(request, timeout=30))

    other = await rig.admin.PurgeCache(pb.PurgeCacheRequest(category=common_pb2.CATEGORY_CARS))
    purged = await rig.admin.PurgeCache(pb.PurgeCacheRequest(category=common_pb2.CATEGORY_FLIGHTS))
    again = await rig.admin.PurgeCache(pb.PurgeCacheRequest())

    assert other.purged == 0
    assert purged.purged >= 1
    assert again.purged == 0
    error = await _refused(rig.admin.PurgeCache(pb.PurgeCacheRequest(search_id="not-a-search")))
    assert bad_fields(error) == {"search_id"}


async def test_fx_rates_are_set_listed_and_used(rig: AdminRig) -> None:
    """A new currency's rate is stored, listed, and lets the next search display prices in it."""
    stored = await rig.admin.SetFxRate(pb.SetFxRateRequest(currency_code="isk", rate_per_eur=150))
    listed = await rig.admin.ListFxRates(pb.ListFxRatesRequest())
    request = flight_request(wait_for_all=True)
    request.options.display_currency = "ISK"
    events = await collect(rig.search.Search(request, timeout=30))

    assert stored.currency_code == "ISK"
    assert stored.rate_per_eur == pytest.approx(150)
    assert {r.currency_code: r.rate_per_eur for r in listed.rates}["ISK"] == pytest.approx(150)
    assert of_kind(events, "completed")
    error = await _refused(
        rig.admin.SetFxRate(pb.SetFxRateRequest(currency_code="euro", rate_per_eur=-1))
    )
    assert bad_fields(error) == {"currency_code", "rate_per_eur"}

"""The admin desk: one method per AdminService RPC, each validate, act, record, answer.

Changes to the registry (providers, rules, chains) drop the router's cached copy at once on
this replica; other replicas read the store again within the router's few seconds.
"""

from __future__ import annotations

import asyncpg
from guidera.v1 import admin_service_pb2 as pb
from guidera.v1 import common_pb2

from guidera_grpc.admin import (
    alerts,
    cache,
    chains,
    circuits,
    credentials,
    fx,
    providers,
    rules,
    summaries,
)
from guidera_grpc.admin.audit import list_changes, record_change
from guidera_grpc.admin.paging import read_page
from guidera_grpc.admin.vocabulary import PROVIDER_CODE, category_name
from guidera_grpc.booking.sealing import Sealer, sealer_for
from guidera_grpc.errors import NotFound, NotReady
from guidera_grpc.resilience import ProviderGuard
from guidera_grpc.runtime import Runtime
from guidera_grpc.store.providers import ProviderProfile, get_provider, list_providers
from guidera_grpc.validation.common import Violations


class AdminDesk:
    """Reads and changes what operators control, through the running service's parts."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._sealer: Sealer | None = None

    # Providers

    async def list_providers(self, request: pb.ListProvidersRequest) -> pb.ListProvidersResponse:
        errors = Violations()
        category = _optional_category(request.category, errors)
        page = read_page("providers", request.page_size, request.page_token, errors)
        errors.raise_if_any()

        profiles = await list_providers(self._pool, category=category)
        shown = profiles[page.offset : page.offset + page.size + 1]

        return pb.ListProvidersResponse(
            providers=[providers.provider_message(p) for p in shown[: page.size]],
            next_page_token=page.next_token(len(shown)),
        )

    async def get_provider(self, request: pb.GetProviderRequest) -> pb.GetProviderResponse:
        profile = await self._profile(request.code, "code")
        stored = await credentials.list_credentials(self._pool, self.sealer, profile.code)

        return pb.GetProviderResponse(
            provider=providers.provider_message(profile), credentials=stored
        )

    async def update_provider(
        self, request: pb.UpdateProviderRequest, actor: str
    ) -> pb.UpdateProviderResponse:
        current = await self._profile(request.provider.code, "provider.code")
        change = providers.check_update(request, current)

        await providers.apply_change(self._pool, change)
        self._runtime.registry_changed()
        await self._runtime.announce("registry")
        await self._runtime.forget_searches()
        await record_change(
            self._pool,
            actor,
            "update_provider",
            current.code,
            fields=sorted(change.columns),
            values={k: v for k, v in change.columns.items() if not isinstance(v, bytes)},
        )

        updated = await self._profile(current.code, "provider.code")
        return pb.UpdateProviderResponse(provider=providers.provider_message(updated))

    async def set_credential(
        self, request: pb.SetProviderCredentialRequest, actor: str
    ) -> pb.SetProviderCredentialResponse:
        await self._profile(request.provider, "provider")
        credentials.check_credential(request)

        stored = await credentials.set_credential(self._pool, self.sealer, request)
        await record_change(
            self._pool,
            actor,
            "set_credential",
            request.provider,
            environment=request.environment,
            name=request.name,
            fingerprint=stored.fingerprint,
        )

        answer = pb.SetProviderCredentialResponse(
            fingerprint=stored.fingerprint, names=stored.names
        )
        answer.rotate_time.FromDatetime(stored.rotated_at)
        return answer

    # Routing rules and fallback chains

    async def list_rules(self, request: pb.ListRoutingRulesRequest) -> pb.ListRoutingRulesResponse:
        errors = Violations()
        page = read_page("rules", request.page_size, request.page_token, errors)
        errors.raise_if_any()

        found, token = await rules.list_rules(self._pool, page)
        return pb.ListRoutingRulesResponse(rules=found, next_page_token=token)

    async def create_rule(
        self, request: pb.CreateRoutingRuleRequest, actor: str
    ) -> pb.CreateRoutingRuleResponse:
        columns = rules.check_rule(request.rule, await self._provider_codes())

        created = await rules.insert_rule(self._pool, columns)
        self._runtime.registry_changed()
        await self._runtime.announce("registry")
        await record_change(self._pool, actor, "create_rule", created.rule_id, name=created.name)

        return pb.CreateRoutingRuleResponse(rule=created)

    async def update_rule(
        self, request: pb.UpdateRoutingRuleRequest, actor: str
    ) -> pb.UpdateRoutingRuleResponse:
        rule_id = _rule_id(request.rule.rule_id, "rule.rule_id")
        current = await rules.get_rule(self._pool, rule_id)
        merged = rules.merge_update(current, request)
        columns = rules.check_rule(merged, await self._provider_codes())

        updated = await rules.replace_rule(self._pool, rule_id, columns)
        self._runtime.registry_changed()
        await self._runtime.announce("registry")
        await record_change(
            self._pool,
            actor,
            "update_rule",
            updated.rule_id,
            fields=sorted(set(request.update_fields)),
        )

        return pb.UpdateRoutingRuleResponse(rule=updated)

    async def delete_rule(
        self, request: pb.DeleteRoutingRuleRequest, actor: str
    ) -> pb.DeleteRoutingRuleResponse:
        rule_id = _rule_id(request.rule_id, "rule_id")

        await rules.delete_rule(self._pool, rule_id)
        self._runtime.registry_changed()
        await self._runtime.announce("registry")
        await record_change(self._pool, actor, "delete_rule", str(rule_id))

        return pb.DeleteRoutingRuleResponse()

    async def list_chains(
        self, request: pb.ListFallbackChainsRequest
    ) -> pb.ListFallbackChainsResponse:
        errors = Violations()
        category = _optional_category(request.category, errors)
        page = read_page("chains", request.page_size, request.page_token, errors)
        errors.raise_if_any()

        found, token = await chains.list_chains(self._pool, category, page)
        return pb.ListFallbackChainsResponse(chains=found, next_page_token=token)

    async def set_chain(
        self, request: pb.SetFallbackChainRequest, actor: str
    ) -> pb.SetFallbackChainResponse:
        serving = {p.code: p.categories for p in await list_providers(self._pool)}
        category, codes = chains.check_chain(request.chain, serving)

        stored = await chains.upsert_chain(self._pool, category, request.chain.region, codes)
        self._runtime.registry_changed()
        await self._runtime.announce("registry")
        await record_change(
            self._pool, actor, "set_chain", f"{category}/{stored.region}", providers=codes
        )

        return pb.SetFallbackChainResponse(chain=stored)

    async def delete_chain(
        self, request: pb.DeleteFallbackChainRequest, actor: str
    ) -> pb.DeleteFallbackChainResponse:
        errors = Violations()
        category = chains.check_place(request.category, request.region, errors)
        errors.raise_if_any()

        await chains.delete_chain(self._pool, category, request.region)
        self._runtime.registry_changed()
        await self._runtime.announce("registry")
        await record_change(self._pool, actor, "delete_chain", f"{category}/{request.region}")

        return pb.DeleteFallbackChainResponse()

    # Summaries and alerts

    async def health_summary(self) -> pb.GetHealthSummaryResponse:
        return await summaries.health_summary(self._pool, self._guard.circuit_states())

    async def cost_summary(self, request: pb.GetCostSummaryRequest) -> pb.GetCostSummaryResponse:
        kind, start = summaries.check_period(request)
        return await summaries.cost_summary(self._pool, kind, start)

    async def list_audit_entries(
        self, request: pb.ListAuditEntriesRequest
    ) -> pb.ListAuditEntriesResponse:
        errors = Violations()
        page = read_page("audit", request.page_size, request.page_token, errors)
        errors.raise_if_any()

        entries, token = await list_changes(self._pool, page)
        return pb.ListAuditEntriesResponse(entries=entries, next_page_token=token)

    async def list_alerts(self, request: pb.ListAlertsRequest) -> pb.ListAlertsResponse:
        errors = Violations()
        page = read_page("alerts", request.page_size, request.page_token, errors)
        errors.raise_if_any()

        found, token = await alerts.list_alerts(self._pool, request.include_acknowledged, page)
        return pb.ListAlertsResponse(alerts=found, next_page_token=token)

    async def acknowledge_alert(
        self, request: pb.AcknowledgeAlertRequest, actor: str
    ) -> pb.AcknowledgeAlertResponse:
        alert_id = alerts.parse_alert_id(request.alert_id)

        alert = await alerts.acknowledge(self._pool, alert_id, actor)
        await record_change(self._pool, actor, "acknowledge_alert", alert.alert_id)

        return pb.AcknowledgeAlertResponse(alert=alert)

    # Circuits, cache, exchange rates

    async def list_circuits(self) -> pb.ListCircuitsResponse:
        return circuits.list_circuits(self._guard, await self._provider_codes())

    async def reset_circuit(
        self, request: pb.ResetCircuitRequest, actor: str
    ) -> pb.ResetCircuitResponse:
        profile = await self._profile(request.provider, "provider")

        state = circuits.reset(self._guard, profile.code)
        await self._runtime.announce("circuit", provider=profile.code, action="reset")
        await record_change(self._pool, actor, "reset_circuit", profile.code)

        return pb.ResetCircuitResponse(circuit_state=state)

    async def force_open_circuit(
        self, request: pb.ForceOpenCircuitRequest, actor: str
    ) -> pb.ForceOpenCircuitResponse:
        profile = await self._profile(request.provider, "provider")

        state = circuits.force_open(self._guard, profile.code)
        await self._runtime.announce("circuit", provider=profile.code, action="force_open")
        await record_change(self._pool, actor, "force_open_circuit", profile.code)

        return pb.ForceOpenCircuitResponse(circuit_state=state)

    async def purge_cache(self, request: pb.PurgeCacheRequest, actor: str) -> pb.PurgeCacheResponse:
        prefix = cache.purge_prefix(request)

        purged = await cache.purge(self._runtime.cache, prefix)
        await record_change(self._pool, actor, "purge_cache", prefix, purged=purged)

        return pb.PurgeCacheResponse(purged=purged)

    async def list_fx_rates(self) -> pb.ListFxRatesResponse:
        return await fx.list_rates(self._pool)

    async def set_fx_rate(self, request: pb.SetFxRateRequest, actor: str) -> pb.SetFxRateResponse:
        currency, eur_per_unit = fx.check_rate(request)

        answer = await fx.store_rate(self._pool, currency, eur_per_unit)
        await self._runtime.reload_fx_rates()
        await self._runtime.announce("fx")
        await self._runtime.forget_searches()
        await record_change(
            self._pool, actor, "set_fx_rate", currency, rate_per_eur=answer.rate_per_eur
        )

        return answer

    # Parts of the running service

    @property
    def sealer(self) -> Sealer:
        """The service's sealer, made on first use (it may read a key file)."""
        if self._sealer is None:
            self._sealer = sealer_for(self._runtime.settings)
        return self._sealer

    @property
    def _pool(self) -> asyncpg.Pool:
        if not self._runtime.ready:
            raise NotReady("the service is starting; retry shortly")
        return self._runtime.store.pool

    @property
    def _guard(self) -> ProviderGuard:
        if self._runtime.guard is None:
            raise NotReady("the service is starting; retry shortly")
        return self._runtime.guard

    async def _profile(self, code: str, field: str) -> ProviderProfile:
        """The provider a request names; InvalidRequest for a malformed code, else NotFound."""
        if not PROVIDER_CODE.match(code):
            errors = Violations()
            errors.add(field, "is not a provider code such as amadeus")
            errors.raise_if_any()
        profile = await get_provider(self._pool, code)
        if profile is None:
            raise NotFound(f"no provider {code}")
        return profile

    async def _provider_codes(self) -> list[str]:
        return [p.code for p in await list_providers(self._pool)]


def _optional_category(value: common_pb2.Category.ValueType, errors: Violations) -> str | None:
    """None for an unset category, its name for a known one, a violation otherwise."""
    if not value:
        return None
    name = category_name(value)
    if name is None:
        errors.add("category", "must be flights, hotels, cars or experiences")
    return name


def _rule_id(value: str, field: str) -> int:
    errors = Violations()
    rule_id = rules.parse_rule_id(value, errors, field)
    errors.raise_if_any()
    return rule_id

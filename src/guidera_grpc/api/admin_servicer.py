"""AdminService: parse, hand each request to the admin desk, map errors to statuses once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from guidera.v1 import admin_service_pb2 as pb
from guidera.v1 import admin_service_pb2_grpc

from guidera_grpc.admin import AdminDesk
from guidera_grpc.api.auth import caller_var
from guidera_grpc.api.decoding import undecodable
from guidera_grpc.api.request_ids import request_id_for
from guidera_grpc.api.status import abort, abort_internal
from guidera_grpc.errors import GuideraError
from guidera_grpc.runtime import Runtime

log = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[Any, Any]
Request = TypeVar("Request")
Response = TypeVar("Response")


class AdminServicer(admin_service_pb2_grpc.AdminServiceServicer):
    """Operators' view and control of providers, routing, costs, alerts, circuits and cache."""

    def __init__(self, runtime: Runtime) -> None:
        self._desk = AdminDesk(runtime)

    async def ListProviders(
        self, request: pb.ListProvidersRequest | None, context: Context
    ) -> pb.ListProvidersResponse:
        return await _answer(context, request, self._desk.list_providers)

    async def GetProvider(
        self, request: pb.GetProviderRequest | None, context: Context
    ) -> pb.GetProviderResponse:
        return await _answer(context, request, self._desk.get_provider)

    async def UpdateProvider(
        self, request: pb.UpdateProviderRequest | None, context: Context
    ) -> pb.UpdateProviderResponse:
        return await _change(context, request, self._desk.update_provider)

    async def SetProviderCredential(
        self, request: pb.SetProviderCredentialRequest | None, context: Context
    ) -> pb.SetProviderCredentialResponse:
        return await _change(context, request, self._desk.set_credential)

    async def ListRoutingRules(
        self, request: pb.ListRoutingRulesRequest | None, context: Context
    ) -> pb.ListRoutingRulesResponse:
        return await _answer(context, request, self._desk.list_rules)

    async def CreateRoutingRule(
        self, request: pb.CreateRoutingRuleRequest | None, context: Context
    ) -> pb.CreateRoutingRuleResponse:
        return await _change(context, request, self._desk.create_rule)

    async def UpdateRoutingRule(
        self, request: pb.UpdateRoutingRuleRequest | None, context: Context
    ) -> pb.UpdateRoutingRuleResponse:
        return await _change(context, request, self._desk.update_rule)

    async def DeleteRoutingRule(
        self, request: pb.DeleteRoutingRuleRequest | None, context: Context
    ) -> pb.DeleteRoutingRuleResponse:
        return await _change(context, request, self._desk.delete_rule)

    async def ListFallbackChains(
        self, request: pb.ListFallbackChainsRequest | None, context: Context
    ) -> pb.ListFallbackChainsResponse:
        return await _answer(context, request, self._desk.list_chains)

    async def SetFallbackChain(
        self, request: pb.SetFallbackChainRequest | None, context: Context
    ) -> pb.SetFallbackChainResponse:
        return await _change(context, request, self._desk.set_chain)

    async def DeleteFallbackChain(
        self, request: pb.DeleteFallbackChainRequest | None, context: Context
    ) -> pb.DeleteFallbackChainResponse:
        return await _change(context, request, self._desk.delete_chain)

    async def GetHealthSummary(
        self, request: pb.GetHealthSummaryRequest | None, context: Context
    ) -> pb.GetHealthSummaryResponse:
        return await _answer(context, request, lambda _: self._desk.health_summary())

    async def GetCostSummary(
        self, request: pb.GetCostSummaryRequest | None, context: Context
    ) -> pb.GetCostSummaryResponse:
        return await _answer(context, request, self._desk.cost_summary)

    async def ListAuditEntries(
        self, request: pb.ListAuditEntriesRequest | None, context: Context
    ) -> pb.ListAuditEntriesResponse:
        return await _answer(context, request, self._desk.list_audit_entries)

    async def ListAlerts(
        self, request: pb.ListAlertsRequest | None, context: Context
    ) -> pb.ListAlertsResponse:
        return await _answer(context, request, self._desk.list_alerts)

    async def AcknowledgeAlert(
        self, request: pb.AcknowledgeAlertRequest | None, context: Context
    ) -> pb.AcknowledgeAlertResponse:
        return await _change(context, request, self._desk.acknowledge_alert)

    async def ListCircuits(
        self, request: pb.ListCircuitsRequest | None, context: Context
    ) -> pb.ListCircuitsResponse:
        return await _answer(context, request, lambda _: self._desk.list_circuits())

    async def ResetCircuit(
        self, request: pb.ResetCircuitRequest | None, context: Context
    ) -> pb.ResetCircuitResponse:
        return await _change(context, request, self._desk.reset_circuit)

    async def ForceOpenCircuit(
        self, request: pb.ForceOpenCircuitRequest | None, context: Context
    ) -> pb.ForceOpenCircuitResponse:
        return await _change(context, request, self._desk.force_open_circuit)

    async def PurgeCache(
        self, request: pb.PurgeCacheRequest | None, context: Context
    ) -> pb.PurgeCacheResponse:
        return await _change(context, request, self._desk.purge_cache)

    async def ListFxRates(
        self, request: pb.ListFxRatesRequest | None, context: Context
    ) -> pb.ListFxRatesResponse:
        return await _answer(context, request, lambda _: self._desk.list_fx_rates())

    async def SetFxRate(
        self, request: pb.SetFxRateRequest | None, context: Context
    ) -> pb.SetFxRateResponse:
        return await _change(context, request, self._desk.set_fx_rate)


async def _change(
    context: Context,
    request: Request | None,
    work: Callable[[Request, str], Awaitable[Response]],
) -> Response:
    """A change: the desk also learns who asks, for the audit line."""
    actor = actor_of(context)
    return await _answer(context, request, lambda valid: work(valid, actor))


async def _answer(
    context: Context,
    request: Request | None,
    work: Callable[[Request], Awaitable[Response]],
) -> Response:
    """Refuse an undecodable request, run the desk's work, map our errors to statuses."""
    request_id_for("", context)
    try:
        if request is None:
            raise undecodable()
        return await work(request)
    except GuideraError as error:
        await abort(context, error)
    except Exception:
        log.exception("admin call failed")
        await abort_internal(context)


def actor_of(context: Context) -> str:
    """Who makes a change: the API key's name (or prefix), else the caller's address when the
    service runs open."""
    key = caller_var.get()
    if key is not None:
        return f"key:{key.name or key.prefix}"
    return context.peer() or "unknown"

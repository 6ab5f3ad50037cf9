"""SearchService: parses the request, runs the search, maps errors to statuses."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from guidera_grpc.api.decoding import undecodable
from guidera_grpc.api.status import abort, abort_internal
from guidera_grpc.errors import GuideraError, NotReady
from guidera_grpc.logs import request_id_var
from guidera_grpc.runtime import Runtime
from guidera_grpc.validation.search import MAX_REQUEST_ID, ValidSearch, validate_search

log = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[search_service_pb2.SearchRequest, Any]


class SearchServicer(search_service_pb2_grpc.SearchServiceServicer):
    """Streams a search's events to the client as providers answer."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    async def Search(
        self, request: search_service_pb2.SearchRequest | None, context: Context
    ) -> AsyncIterator[search_service_pb2.SearchResponse]:
        request_id = _request_id(request.request_id if request else "", context)
        # Each RPC runs in its own task, so the id stays with this call's log lines.
        request_id_var.set(request_id)
        failure: GuideraError | None = None
        crashed = False
        try:
            search = self._validated(request)
            stream = self._runtime.coordinator.stream(search, request_id, context.time_remaining())
            async with contextlib.aclosing(stream) as events:
                async for event in events:
                    yield event
        except GuideraError as error:
            failure = error
        except Exception:
            log.exception("search failed")
            crashed = True
        if failure is not None:
            await abort(context, failure)
        if crashed:
            await abort_internal(context)

    async def ExplainRoute(
        self, request: search_service_pb2.ExplainRouteRequest | None, context: Context
    ) -> search_service_pb2.ExplainRouteResponse:
        """The plan a search would follow, without calling any provider."""
        request_id_var.set(_request_id("", context))
        try:
            search = self._validated(request.search if request else None)
            plan = await self._runtime.plan(search)
        except GuideraError as error:
            await abort(context, error)
        budget = self._runtime.budget_for(context.time_remaining())
        return search_service_pb2.ExplainRouteResponse(plan=plan.to_proto(budget))

    async def GetSearchResults(
        self, request: search_service_pb2.GetSearchResultsRequest | None, context: Context
    ) -> search_service_pb2.GetSearchResultsResponse:
        """A page of a finished search's ranked offers."""
        request_id_var.set(_request_id("", context))
        try:
            if request is None:
                raise undecodable()
            if not self._runtime.ready:
                raise NotReady("the service is starting; retry shortly")
            return await self._runtime.pages.page(request)
        except GuideraError as error:
            await abort(context, error)

    def _validated(self, request: search_service_pb2.SearchRequest | None) -> ValidSearch:
        if request is None:
            raise undecodable()
        if not self._runtime.ready:
            raise NotReady("the service is starting; retry shortly")
        search = validate_search(request)
        self._runtime.check_search(search)
        return search


def _request_id(given: str, context: Context) -> str:
    """The client's id when it is safe to log (printable, short), else a new one."""
    for candidate in (given, _metadata_request_id(context)):
        if candidate and len(candidate) <= MAX_REQUEST_ID and candidate.isprintable():
            return candidate
    return uuid.uuid4().hex


def _metadata_request_id(context: Context) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str):
            return value
    return ""

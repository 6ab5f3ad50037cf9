"""SearchService: parses the request, runs the search, maps errors to statuses."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import grpc
from guidera.v1 import search_service_pb2, search_service_pb2_grpc

from guidera_grpc.api.decoding import undecodable
from guidera_grpc.api.request_ids import request_id_for
from guidera_grpc.api.status import abort, abort_internal
from guidera_grpc.errors import GuideraError, NotReady, Overloaded
from guidera_grpc.runtime import Runtime
from guidera_grpc.validation.search import ValidSearch, validate_search

log = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[search_service_pb2.SearchRequest, Any]


class SearchServicer(search_service_pb2_grpc.SearchServiceServicer):
    """Streams a search's events to the client as providers answer."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        #: Searches streaming now, against GUIDERA_MAX_ACTIVE_SEARCHES.
        self._active = 0

    async def Search(
        self, request: search_service_pb2.SearchRequest | None, context: Context
    ) -> AsyncIterator[search_service_pb2.SearchResponse]:
        request_id = request_id_for(request.request_id if request else "", context)
        failure: GuideraError | None = None
        crashed = False
        admitted = False
        try:
            search = self._validated(request)
            self._admit()
            admitted = True
            stream = self._runtime.coordinator.stream(search, request_id, context.time_remaining())
            async with contextlib.aclosing(stream) as events:
                async for event in events:
                    yield event
        except GuideraError as error:
            failure = error
        except Exception:
            log.exception("search failed")
            crashed = True
        finally:
            if admitted:
                self._active -= 1
        if failure is not None:
            await abort(context, failure)
        if crashed:
            await abort_internal(context)

    def _admit(self) -> None:
        """Count one more search in progress, or refuse it when the replica is full: a quick
        refusal lets the client try another replica, where a queue would slow every search."""
        limit = self._runtime.settings.max_active_searches
        if self._active >= limit:
            raise Overloaded(
                f"this replica already runs {limit} searches; retry shortly", retry_after_s=1.0
            )
        self._active += 1

    async def ExplainRoute(
        self, request: search_service_pb2.ExplainRouteRequest | None, context: Context
    ) -> search_service_pb2.ExplainRouteResponse:
        """The plan a search would follow, without calling any provider."""
        request_id_for("", context)
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
        request_id_for("", context)
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

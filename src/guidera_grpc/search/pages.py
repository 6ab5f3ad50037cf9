"""The ranked results of finished searches, kept for paging, and their page tokens.

A search's whole ranked list is kept for half an hour under its id, in the same backend as
the cache (so every replica can serve a page when Redis is configured). A page token names
the search and the offset, so it cannot be replayed against another search.
"""

from __future__ import annotations

import base64
import binascii

import orjson
from guidera.v1 import search_service_pb2

from guidera_grpc.cache.backend import ByteCache
from guidera_grpc.errors import FieldViolation, InvalidRequest, NotFound

RESULTS_KEEP_S = 1800
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_SEARCH_ID = 64


def page_token(search_id: str, offset: int) -> str:
    """An opaque token for the page starting at ``offset``."""
    raw = orjson.dumps({"s": search_id, "o": offset})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str, search_id: str) -> int:
    """The offset a token names; INVALID_ARGUMENT when it is not one of this search's."""
    try:
        padded = token + "=" * (-len(token) % 4)
        fields = orjson.loads(base64.urlsafe_b64decode(padded))
        offset = fields["o"]
        valid = isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0
        if fields["s"] != search_id or not valid:
            raise ValueError(token)
        position: int = offset
    except (ValueError, KeyError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidRequest(
            [FieldViolation("page_token", "is not a page token of this search")]
        ) from None
    return position


class ResultPages:
    """Stores finished searches' results and cuts pages from them."""

    def __init__(self, backend: ByteCache) -> None:
        self._backend = backend

    async def keep(
        self, search_id: str, results: search_service_pb2.GetSearchResultsResponse | bytes
    ) -> None:
        """Keep a finished search's ranked offers (a message, or one already encoded)."""
        encoded = results if isinstance(results, bytes) else results.SerializeToString()
        await self._backend.set(_key(search_id), encoded, RESULTS_KEEP_S)

    async def page(
        self, request: search_service_pb2.GetSearchResultsRequest
    ) -> search_service_pb2.GetSearchResultsResponse:
        """One page; NOT_FOUND when the search is unknown or its results have expired."""
        if not request.search_id or len(request.search_id) > MAX_SEARCH_ID:
            raise InvalidRequest(
                [FieldViolation("search_id", "is required: the id of a search's events")]
            )
        if not 0 <= request.page_size <= MAX_PAGE_SIZE:
            raise InvalidRequest(
                [FieldViolation("page_size", f"must be between 0 and {MAX_PAGE_SIZE}")]
            )
        offset = read_token(request.page_token, request.search_id) if request.page_token else 0
        raw = await self._backend.get(_key(request.search_id))
        if raw is None:
            raise NotFound(f"no stored results for search {request.search_id[:64]!r}")
        stored = search_service_pb2.GetSearchResultsResponse.FromString(raw)
        size = request.page_size or DEFAULT_PAGE_SIZE
        page = stored.offers[offset : offset + size]
        following = offset + size
        return search_service_pb2.GetSearchResultsResponse(
            offers=page,
            total_offers=stored.total_offers,
            next_page_token=(
                page_token(request.search_id, following) if following < len(stored.offers) else ""
            ),
        )


def _key(search_id: str) -> str:
    return f"results:{search_id}"

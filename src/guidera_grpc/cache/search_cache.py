"""Finished searches kept for reuse: a canonical key, and the ranked offers as bytes.

The key is built from the validated parameters, so the same search written with other letter
case, another parameter order or equivalent defaults finds the same entry. Entries live past
their fresh period (SEARCH_FRESH_S) so that a client that accepts stale results first can
still be shown them while the live search runs.
"""

from __future__ import annotations

import hashlib
import struct
import time
from dataclasses import dataclass

import orjson
from guidera.v1 import search_service_pb2

from guidera_grpc.cache.backend import ByteCache
from guidera_grpc.search.strategies import DEFAULT_STRATEGY
from guidera_grpc.validation.search import ValidSearch

#: Results younger than this are answered from the cache outright.
SEARCH_FRESH_S = 300
#: Results are kept this long for clients that accept stale results while a live search runs.
SEARCH_KEEP_S = 3600

_FORMAT = b"gsc2"
#: Marker, stored at, and the sizes of the results, the completed event and the batch event.
_HEADER = struct.Struct(">4sdIII")


@dataclass(frozen=True, slots=True)
class CachedSearch:
    """A finished search as stored: when, its ranked offers (encoded), its completed event,
    and the offers event a replay streams, encoded once when the search was stored.

    A replay streams and keeps bytes as they are: decoding and encoding a hundred offers on
    every hit would cost more than everything else a hit does."""

    stored_at: float
    results_bytes: bytes
    completed: search_service_pb2.SearchCompleted
    batch_bytes: bytes

    @property
    def age_s(self) -> float:
        """Seconds since it was stored."""
        return max(time.time() - self.stored_at, 0.0)

    @property
    def results(self) -> search_service_pb2.GetSearchResultsResponse:
        """Every ranked offer, decoded."""
        return search_service_pb2.GetSearchResultsResponse.FromString(self.results_bytes)

    def batch(self) -> search_service_pb2.SearchResponse:
        """The offers event of a replay: the first offers, each marked cached."""
        return search_service_pb2.SearchResponse.FromString(self.batch_bytes)


def search_key(search: ValidSearch) -> str:
    """The cache key of a search: a digest of its canonical parameters."""
    options = search.options
    canonical = {
        "category": search.category_name,
        "params": search.params.to_json(),
        "providers": sorted(options.providers),
        "strategy": options.strategy or DEFAULT_STRATEGY,
        "max_results": options.max_results,
        "sort": options.sort,
        # "Best" weighs price against time by the traveler's budget and style.
        "weights": [search.traveler.budget_level, search.traveler.travel_style],
    }
    digest = hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()
    return f"search:{search.category_name}:{digest[:40]}"


class SearchCache:
    """Stores and finds finished searches in a byte cache."""

    def __init__(self, backend: ByteCache) -> None:
        self.backend = backend

    async def find(self, key: str) -> CachedSearch | None:
        """The stored search, or None (absent, expired, unreadable, or the cache is down)."""
        raw = await self.backend.get(key)
        return _decode(raw) if raw else None

    async def store(
        self,
        key: str,
        results: search_service_pb2.GetSearchResultsResponse,
        completed: search_service_pb2.SearchCompleted,
        limit: int,
        *,
        encoded: bytes | None = None,
    ) -> None:
        """Keep a finished search, with the offers event of its replays (``limit`` offers).
        ``encoded`` is ``results`` already serialized, when the caller has it."""
        entry = _encode(results, completed, limit, encoded)
        await self.backend.set(key, entry, SEARCH_KEEP_S)


def cached_batch(
    results: search_service_pb2.GetSearchResultsResponse, limit: int
) -> search_service_pb2.SearchResponse:
    """The offers event replaying ``results``: the first ``limit`` offers, marked cached."""
    offers = [
        search_service_pb2.RankedOffer(offer=r.offer, change=r.change, rank=r.rank, cached=True)
        for r in results.offers[:limit]
    ]
    batch = search_service_pb2.OffersBatch(offers=offers, total_offers=results.total_offers)
    return search_service_pb2.SearchResponse(offers=batch)


def _encode(
    results: search_service_pb2.GetSearchResultsResponse,
    completed: search_service_pb2.SearchCompleted,
    limit: int,
    encoded: bytes | None = None,
) -> bytes:
    parts = (
        encoded if encoded is not None else results.SerializeToString(),
        completed.SerializeToString(),
        cached_batch(results, limit).SerializeToString(),
    )
    header = _HEADER.pack(_FORMAT, time.time(), *(len(part) for part in parts))
    return header + b"".join(parts)


def _decode(raw: bytes) -> CachedSearch | None:
    if len(raw) < _HEADER.size:
        return None
    marker, stored_at, results_size, completed_size, batch_size = _HEADER.unpack_from(raw)
    if marker != _FORMAT or len(raw) != _HEADER.size + results_size + completed_size + batch_size:
        return None
    view = memoryview(raw)[_HEADER.size :]
    results = bytes(view[:results_size])
    completed = search_service_pb2.SearchCompleted.FromString(
        bytes(view[results_size : results_size + completed_size])
    )
    batch = bytes(view[results_size + completed_size :])
    return CachedSearch(stored_at, results, completed, batch)

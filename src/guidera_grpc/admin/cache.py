"""Purging cached search results: all of them, one category's, or one search's pages."""

from __future__ import annotations

import uuid

from guidera.v1 import admin_service_pb2, common_pb2

from guidera_grpc.cache.backend import ByteCache
from guidera_grpc.validation.common import Violations

_PURGEABLE = {
    common_pb2.CATEGORY_FLIGHTS: "flights",
    common_pb2.CATEGORY_HOTELS: "hotels",
    common_pb2.CATEGORY_CARS: "cars",
    common_pb2.CATEGORY_EXPERIENCES: "experiences",
    common_pb2.CATEGORY_PACKAGES: "packages",
}


def purge_prefix(request: admin_service_pb2.PurgeCacheRequest) -> str:
    """The key prefix a purge removes; InvalidRequest for a bad category or search id.

    Offers kept for booking are never purged: a traveler halfway through a booking keeps it.
    """
    errors = Violations()
    if request.category and request.search_id:
        errors.add("search_id", "give a category or a search id, not both")
    if request.search_id:
        try:
            uuid.UUID(request.search_id[:64])
        except ValueError:
            errors.add("search_id", "is not a search id from a search")
    category = _PURGEABLE.get(request.category)
    if request.category and category is None:
        errors.add("category", "is not a category")
    errors.raise_if_any()
    if request.search_id:
        return f"results:{request.search_id}"
    return f"search:{category}:" if category else "search:"


async def purge(cache: ByteCache, prefix: str) -> int:
    """Delete the entries under ``prefix``; how many went."""
    return await cache.purge_prefix(prefix)

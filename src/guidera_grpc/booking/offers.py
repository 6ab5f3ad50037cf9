"""Offers of finished searches, kept by id so they can be re-priced and booked: fifteen
minutes, or until the latest expiry the suppliers gave them when that is later (an offer must
not show an expiry the service cannot honour), at most an hour. A package's parts are kept
too, each bookable on its own."""

from __future__ import annotations

import time
from collections.abc import Iterable

from guidera.v1 import common_pb2, offer_pb2, search_service_pb2

from guidera_grpc.cache.backend import ByteCache

OFFER_KEEP_S = 900
OFFER_KEEP_MAX_S = 3600


class OfferStore:
    """Finds an offer of a recent search by its id."""

    def __init__(self, backend: ByteCache) -> None:
        self._backend = backend

    async def keep(
        self,
        results: search_service_pb2.GetSearchResultsResponse,
        travelers: common_pb2.Travelers | None = None,
    ) -> None:
        """Keep every offer of a finished search (and every part of its packages), stamped
        with the travelers the search priced them for."""
        offers = list(_with_parts(r.offer for r in results.offers))
        for offer in offers:
            if travelers is not None and offer.HasField("flight"):
                offer.travelers.CopyFrom(travelers)
        items = [(_key(o.offer_id), o.SerializeToString()) for o in offers]
        await self._backend.set_many(items, keep_for_s(offers))

    async def find(self, offer_id: str) -> offer_pb2.Offer | None:
        """The offer, or None when unknown or expired."""
        raw = await self._backend.get(_key(offer_id))
        return offer_pb2.Offer.FromString(raw) if raw else None


def keep_for_s(offers: Iterable[offer_pb2.Offer], now: float | None = None) -> int:
    """Seconds to keep a search's offers: until the last one expires, within the bounds."""
    now = time.time() if now is None else now
    latest = max((o.expire_time.seconds for o in offers if o.HasField("expire_time")), default=0)
    return int(min(max(latest - now, OFFER_KEEP_S), OFFER_KEEP_MAX_S))


def _with_parts(offers: Iterable[offer_pb2.Offer]) -> Iterable[offer_pb2.Offer]:
    for offer in offers:
        yield offer
        if offer.HasField("package"):
            parts = offer.package
            for part, present in (
                (parts.flight, parts.HasField("flight")),
                (parts.hotel, parts.HasField("hotel")),
                (parts.car, parts.HasField("car")),
            ):
                if present:
                    yield part


def _key(offer_id: str) -> str:
    return f"offer:{offer_id[:80]}"

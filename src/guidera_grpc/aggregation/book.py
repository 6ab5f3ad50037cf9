"""The merged, ranked result set of one search, grown batch by batch as providers answer.

Each batch merges into what was already streamed: an itinerary already known gains the new
provider's price (an update, flagged as a price improvement when it is the new cheapest), an
unknown one is added. Ranking follows the requested sort order (see ranking.py); a sorted index
keeps each insertion at O(log n) comparisons so large result sets stay cheap.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from decimal import Decimal

from guidera.v1 import common_pb2, offer_pb2, search_service_pb2

from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.aggregation.identity import offer_id_for
from guidera_grpc.aggregation.matching import Matcher, identity_key
from guidera_grpc.aggregation.ranking import (
    DEFAULT_WEIGHTS,
    RankFn,
    RankKey,
    ranking_for,
)
from guidera_grpc.normalizers.money import to_decimal

_UNPRICED = Decimal("Infinity")


@dataclass(slots=True)
class _Entry:
    offer: offer_pb2.Offer
    rank_key: RankKey
    display_totals: dict[str, Decimal] = field(default_factory=dict)


class OfferBook:
    """Offers of one search by identity, each with every provider's price, cheapest first."""

    def __init__(
        self,
        display_currency: str,
        fx: FxTable,
        matcher: Matcher,
        rank: RankFn | None = None,
        scope: str = "",
    ) -> None:
        self.display_currency = display_currency
        self._fx = fx
        self._matcher = matcher
        # Who and what the prices are for: the same hotel for one adult or for two is two
        # offers with two ids, so an id always names one price.
        self._scope = scope
        self._rank = rank or ranking_for(search_service_pb2.SORT_ORDER_PRICE, DEFAULT_WEIGHTS)
        self._entries: dict[str, _Entry] = {}
        self._index: list[RankKey] = []

    def __len__(self) -> int:
        return len(self._entries)

    def merge(self, offers: list[offer_pb2.Offer]) -> list[search_service_pb2.RankedOffer]:
        """Merge one provider's normalized offers; return what changed, best rank first."""
        changes: dict[str, search_service_pb2.OfferChange.ValueType] = {}
        for incoming in offers:
            outcome = self._merge_one(incoming)
            if outcome is None:
                continue
            offer_id, change = outcome
            # A new offer stays new even if a later one in the batch improves it.
            if changes.get(offer_id) != search_service_pb2.OFFER_CHANGE_NEW:
                changes[offer_id] = change
        return self._ranked_changes(changes)

    def ranked(self, limit: int | None = None) -> list[search_service_pb2.RankedOffer]:
        """The whole set in rank order, as NEW offers (for wait_for_all and caching)."""
        keys = self._index if limit is None else self._index[:limit]
        return [
            search_service_pb2.RankedOffer(
                offer=self._entries[key[2]].offer,
                change=search_service_pb2.OFFER_CHANGE_NEW,
                rank=position + 1,
            )
            for position, key in enumerate(keys)
        ]

    def _merge_one(
        self, incoming: offer_pb2.Offer
    ) -> tuple[str, search_service_pb2.OfferChange.ValueType] | None:
        if not incoming.provider_prices:
            return None
        seller = incoming.provider_prices[0]
        converted = self._fx.convert(seller.price.total, self.display_currency)
        if converted is not None:
            seller.price.display_total.CopyFrom(converted)
        display = to_decimal(converted) if converted is not None else _UNPRICED
        # The key is built once: building it walks every segment of the offer.
        key = identity_key(incoming)
        offer_id = self._matcher.find(incoming, key)
        entry = self._entries.get(offer_id) if offer_id else None
        if offer_id is None or entry is None:
            offer_id = self._new_id(key)
            self._add(offer_id, incoming, seller.provider, display)
            self._matcher.remember(offer_id, incoming, key)
            return offer_id, search_service_pb2.OFFER_CHANGE_NEW
        return self._add_seller(offer_id, entry, incoming, seller, display)

    def _new_id(self, identity: str) -> str:
        """The id derived from the offer's identity; suffixed in the rare case it is taken by
        a product the matcher judged different."""
        key = f"{self._scope}|{identity}"
        offer_id = offer_id_for(key)
        suffix = 1
        while offer_id in self._entries:
            suffix += 1
            offer_id = offer_id_for(f"{key}#{suffix}")
        return offer_id

    def _add(self, offer_id: str, offer: offer_pb2.Offer, provider: str, display: Decimal) -> None:
        offer.offer_id = offer_id
        offer.price.CopyFrom(offer.provider_prices[0].price)
        entry = _Entry(offer, self._rank_key(offer_id, offer, display), {provider: display})
        self._entries[offer_id] = entry
        bisect.insort(self._index, entry.rank_key)

    def _add_seller(
        self,
        offer_id: str,
        entry: _Entry,
        incoming: offer_pb2.Offer,
        seller: common_pb2.ProviderPrice,
        display: Decimal,
    ) -> tuple[str, search_service_pb2.OfferChange.ValueType] | None:
        known = entry.display_totals.get(seller.provider)
        if known is not None and known <= display:
            return None  # the same seller already offered it for no more
        best_before = min(entry.display_totals.values())
        prices = [p for p in entry.offer.provider_prices if p.provider != seller.provider]
        prices.append(seller)
        entry.display_totals[seller.provider] = display
        prices.sort(key=lambda p: (entry.display_totals[p.provider], p.provider))
        del entry.offer.provider_prices[:]
        entry.offer.provider_prices.extend(prices)
        if display >= best_before:
            return offer_id, search_service_pb2.OFFER_CHANGE_PROVIDER_ADDED
        self._take_best_from(entry, incoming, offer_id, display)
        return offer_id, search_service_pb2.OFFER_CHANGE_PRICE_IMPROVED

    def _take_best_from(
        self, entry: _Entry, incoming: offer_pb2.Offer, offer_id: str, display: Decimal
    ) -> None:
        """The cheapest seller's price, conditions and expiry become the offer's own."""
        entry.offer.price.CopyFrom(incoming.provider_prices[0].price)
        entry.offer.conditions.CopyFrom(incoming.conditions)
        if incoming.HasField("package"):
            # A bundle's parts are its price: the cheaper bundle brings its parts along.
            entry.offer.package.CopyFrom(incoming.package)
        if incoming.HasField("expire_time"):
            entry.offer.expire_time.CopyFrom(incoming.expire_time)
        else:
            entry.offer.ClearField("expire_time")
        self._index.pop(bisect.bisect_left(self._index, entry.rank_key))
        entry.rank_key = self._rank_key(offer_id, entry.offer, display)
        bisect.insort(self._index, entry.rank_key)

    def _ranked_changes(
        self, changes: dict[str, search_service_pb2.OfferChange.ValueType]
    ) -> list[search_service_pb2.RankedOffer]:
        ranked = [
            search_service_pb2.RankedOffer(
                offer=self._entries[offer_id].offer,
                change=change,
                rank=bisect.bisect_left(self._index, self._entries[offer_id].rank_key) + 1,
            )
            for offer_id, change in changes.items()
        ]
        ranked.sort(key=lambda r: r.rank)
        return ranked

    def _rank_key(self, offer_id: str, offer: offer_pb2.Offer, display: Decimal) -> RankKey:
        return self._rank(offer_id, offer, display)

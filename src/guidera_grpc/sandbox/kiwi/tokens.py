"""Kiwi.com booking tokens found again: the search remembers each result's offer by its token.

A sandbox token is ``base64url(offer key#issue time)``; the key alone cannot be priced (the
cabin, the currency and the party come from the search), so the offer itself is kept in the
sub-application's bounded offer store under the token.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from guidera_grpc.sandbox.flights.catalog import Offer
from guidera_grpc.sandbox.flights.money import Currency
from guidera_grpc.sandbox.offer_store import OFFERS, StoredOffer


def remember_offers(
    request: web.Request,
    items: Sequence[Mapping[str, Any]],
    offers: Sequence[Offer],
    currency: Currency,
    now: datetime,
) -> None:
    """Keep each search result's offer under its booking token (which names the offer key)."""
    by_key = {offer.key: offer for offer in offers}
    store = request.app[OFFERS]
    for item in items:
        token = str(item["booking_token"])
        offer = by_key.get(_key_of(token))
        if offer is not None:
            store.put(token, StoredOffer(offer, currency, now))


def _key_of(token: str) -> str:
    """The offer key inside a sandbox booking token (``base64url(key#time)``)."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return raw.decode().rpartition("#")[0]

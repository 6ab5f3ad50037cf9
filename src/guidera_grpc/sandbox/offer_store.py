"""Offers an emulator handed out, kept so that it can find them again when a client re-prices
or books one by the id, token or body the search gave it.

Ids are not decodable: Duffel's offer ids are random per answer, Kiwi's booking tokens carry a
time stamp, Amadeus's offer ids count from 1 in every answer. So each supplier's sub-application
keeps the last ``MAX_OFFERS`` offers it rendered in memory, under the key the client will bring
back (an offer id, a booking token, or the fingerprint of an Amadeus flight offer). An offer
pushed out, or one from before a restart, is unknown, as an expired offer is at the supplier.

The store also keeps what re-pricing found: a price that went up stays up, and a sold-out
offer stays sold out, so that a booking sees what the pricing said.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from guidera_grpc.sandbox.flights.catalog import CENT, Offer, PassengerPrice
from guidera_grpc.sandbox.flights.money import Currency
from guidera_grpc.sandbox.knobs import SupplierKnobs
from guidera_grpc.sandbox.seeds import stable_rng

MAX_OFFERS = 5_000
#: How much a price goes up when the sandbox decides it changed.
PRICE_RISE = Decimal("1.08")


@dataclass(slots=True)
class StoredOffer:
    """An offer as rendered to the client, and what re-pricing has found since."""

    offer: Offer
    currency: Currency
    issued_at: datetime
    document: dict[str, Any] = field(default_factory=dict)
    price_factor: Decimal = Decimal(1)
    sold_out: bool = False

    def current(self) -> Offer:
        """The catalog offer at today's price (after any change re-pricing found)."""
        if self.price_factor == 1:
            return self.offer
        return replace(
            self.offer,
            adult=_scaled(self.offer.adult, self.price_factor),
            child=_scaled(self.offer.child, self.price_factor),
            infant=_scaled(self.offer.infant, self.price_factor),
        )


def _scaled(price: PassengerPrice, factor: Decimal) -> PassengerPrice:
    return PassengerPrice((price.base * factor).quantize(CENT), price.taxes)


class OfferStore:
    """One supplier's recently rendered offers, by the key clients bring back."""

    def __init__(self, supplier: str) -> None:
        self._offers: OrderedDict[str, StoredOffer] = OrderedDict()
        self.dice = stable_rng("bookings", supplier)

    def put(self, key: str, stored: StoredOffer) -> None:
        """Keep ``stored`` under ``key``; the oldest go past ``MAX_OFFERS``."""
        self._offers[key] = stored
        self._offers.move_to_end(key)
        while len(self._offers) > MAX_OFFERS:
            self._offers.popitem(last=False)

    def get(self, key: str) -> StoredOffer | None:
        """The offer handed out under ``key``, or None when the sandbox does not know it."""
        return self._offers.get(key)

    def reprice(self, stored: StoredOffer, knobs: SupplierKnobs) -> StoredOffer:
        """Roll the re-pricing dice: the offer may sell out, or its price go up (once)."""
        sold_out, rise = self.dice.random(), self.dice.random()
        if sold_out < knobs.sold_out_rate:
            stored.sold_out = True
        elif rise < knobs.price_change_rate and stored.price_factor == 1:
            stored.price_factor = PRICE_RISE
        return stored

    def clear(self) -> None:
        """Forget every offer."""
        self._offers.clear()


OFFERS = web.AppKey("sandbox_offers", OfferStore)

"""Which journeys each emulated supplier sells, and at what margin over the airline's fare.

Every supplier sees the same flights. Each keeps a deterministic share of them (a GDS carries
few low-cost carriers, Kiwi.com many and self-transfers too) and prices them with its own
offset, so the same journey shows up at two or three suppliers at slightly different prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from guidera_grpc.sandbox.flights.itineraries import Itinerary
from guidera_grpc.sandbox.seeds import stable_unit


@dataclass(frozen=True, slots=True)
class Assortment:
    """How one supplier selects and prices the shared inventory."""

    supplier: str
    premium_share: float
    budget_share: float
    self_transfers: bool
    markup: float
    spread: float

    def sells(self, journeys: tuple[Itinerary, ...], key: str) -> bool:
        """Whether this supplier offers this combination of journeys."""
        flights = [flight for journey in journeys for flight in journey.flights]
        if not self.self_transfers and not _one_ticket(journeys):
            return False
        budget = any(flight.marketing.is_budget for flight in flights)
        share = self.budget_share if budget else self.premium_share
        return stable_unit("sells", self.supplier, key) < share

    def price_factor(self, key: str) -> Decimal:
        """The supplier's multiplier on the airline's base fare for this offer."""
        offset = (stable_unit("markup", self.supplier, key) * 2 - 1) * self.spread
        return Decimal(str(round(self.markup + offset, 4)))


def _one_ticket(journeys: tuple[Itinerary, ...]) -> bool:
    if any(journey.self_transfer for journey in journeys):
        return False
    carriers = [flight.marketing for journey in journeys for flight in journey.flights]
    return all(carrier.allied_with(carriers[0]) for carrier in carriers)


ASSORTMENTS: dict[str, Assortment] = {
    "amadeus": Assortment("amadeus", 0.75, 0.15, False, 1.0, 0.015),
    "duffel": Assortment("duffel", 0.65, 0.5, False, 0.99, 0.025),
    "kiwi": Assortment("kiwi", 0.5, 0.85, True, 0.965, 0.04),
}

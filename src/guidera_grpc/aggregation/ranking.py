"""Sort keys for a result set: by price, duration, departure, rating, or "best".

Every key is a tuple (primary, display price, offer id) of comparable values, so the offer
book can keep its sorted index incrementally whatever the order.

"Best" is an estimated cost to the traveler, lowest first, in the display currency:

    price + hour_value × hours + stop_penalty × stops − rating_bonus

where hours is the total travel or activity time, stops the connections of a flight, and
rating_bonus = price × 4 % × (rating − 3) for rated products (a rating out of 5; hotels'
review scores out of 10 are halved). The traveler's preferences shift the weights: a budget
traveler values an hour at 5 and a stop at 10, a luxury or business traveler at 40 and 60,
everyone else at 15 and 30.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from guidera.v1 import offer_pb2, search_service_pb2

RankKey = tuple[Decimal, Decimal, str]
RankFn = Callable[[str, offer_pb2.Offer, Decimal], RankKey]

_ZERO = Decimal(0)
_RATING_WEIGHT = Decimal("0.04")


@dataclass(frozen=True, slots=True)
class Weights:
    """How much an hour and a stop cost a traveler, in the display currency."""

    hour: Decimal
    stop: Decimal


DEFAULT_WEIGHTS = Weights(hour=Decimal(15), stop=Decimal(30))
BUDGET_WEIGHTS = Weights(hour=Decimal(5), stop=Decimal(10))
PREMIUM_WEIGHTS = Weights(hour=Decimal(40), stop=Decimal(60))


def weights_for(budget_level: str, travel_style: str) -> Weights:
    """The weights of "best" for a traveler's budget level and travel style."""
    if budget_level == "budget":
        return BUDGET_WEIGHTS
    if budget_level == "luxury" or travel_style == "business":
        return PREMIUM_WEIGHTS
    return DEFAULT_WEIGHTS


def ranking_for(sort: search_service_pb2.SortOrder.ValueType, weights: Weights) -> RankFn:
    """The key function of a sort order."""
    if sort == search_service_pb2.SORT_ORDER_PRICE:
        return lambda offer_id, offer, price: (price, Decimal(duration_s(offer)), offer_id)
    if sort == search_service_pb2.SORT_ORDER_DURATION:
        return lambda offer_id, offer, price: (Decimal(duration_s(offer)), price, offer_id)
    if sort == search_service_pb2.SORT_ORDER_DEPARTURE_TIME:
        return lambda offer_id, offer, price: (start_key(offer), price, offer_id)
    if sort == search_service_pb2.SORT_ORDER_RATING:
        return lambda offer_id, offer, price: (-rating_of(offer), price, offer_id)

    def best(offer_id: str, offer: offer_pb2.Offer, price: Decimal) -> RankKey:
        return best_cost(offer, price, weights), price, offer_id

    return best


def best_cost(offer: offer_pb2.Offer, price: Decimal, weights: Weights) -> Decimal:
    """The estimated cost behind "best"; unpriced offers (infinite price) stay last."""
    if not price.is_finite():
        return price
    hours = Decimal(duration_s(offer)) / 3600
    cost = price + weights.hour * hours + weights.stop * stops_of(offer)
    rating = rating_of(offer)
    if rating:
        cost -= price * _RATING_WEIGHT * (rating - 3)
    return cost.quantize(Decimal("0.0001"))


def duration_s(offer: offer_pb2.Offer) -> int:
    """Travel time of a flight, or length of an experience; 0 for others."""
    if offer.HasField("flight"):
        return sum(s.duration.seconds for s in offer.flight.slices)
    if offer.HasField("experience"):
        return offer.experience.duration.seconds
    return 0


def stops_of(offer: offer_pb2.Offer) -> int:
    """Connections of a flight itinerary; 0 for other products."""
    if not offer.HasField("flight"):
        return 0
    return sum(max(len(s.segments) - 1, 0) for s in offer.flight.slices)


def rating_of(offer: offer_pb2.Offer) -> Decimal:
    """A rating out of 5, 0 when unknown."""
    if offer.HasField("experience"):
        return Decimal(str(offer.experience.rating))
    if offer.HasField("hotel"):
        return Decimal(str(offer.hotel.review_score)) / 2
    return _ZERO


def start_key(offer: offer_pb2.Offer) -> Decimal:
    """When the product starts, as a sortable number (seconds, or the local date and time)."""
    if offer.HasField("flight") and offer.flight.slices and offer.flight.slices[0].segments:
        return Decimal(offer.flight.slices[0].segments[0].departure_time.seconds)
    local = ""
    if offer.HasField("hotel"):
        local = offer.hotel.check_in_date
    elif offer.HasField("car"):
        local = offer.car.pick_up_local_time
    elif offer.HasField("experience") and offer.experience.time_slots:
        local = offer.experience.time_slots[0].start_local_time
    digits = "".join(c for c in local if c.isdigit())
    return Decimal(digits.ljust(14, "0")) if digits else Decimal("Infinity")

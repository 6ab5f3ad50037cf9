"""GetOffer: an offer of a recent search, re-priced now by the supplier that sells it."""

from __future__ import annotations

from collections.abc import Callable

from guidera.v1 import offer_service_pb2

from guidera_grpc.aggregation.fx import FxTable
from guidera_grpc.booking.desk import (
    CATEGORIES,
    PRICE_TIMEOUT_S,
    BookingProviders,
    for_seller,
    same_money,
)
from guidera_grpc.booking.offers import OfferStore
from guidera_grpc.errors import (
    FieldViolation,
    InvalidRequest,
    NoProviderAvailable,
    NotFound,
    PreconditionFailed,
)
from guidera_grpc.providers.booking import OfferUnavailableError


class OfferDesk:
    """Re-prices offers."""

    def __init__(
        self,
        offers: OfferStore,
        providers: BookingProviders,
        fx: Callable[[], FxTable],
    ) -> None:
        """``fx()`` gives the exchange rates in force, to show the new price in the currency
        the search displayed it in."""
        self._offers = offers
        self._providers = providers
        self._fx = fx

    async def get_offer(
        self, request: offer_service_pb2.GetOfferRequest
    ) -> offer_service_pb2.GetOfferResponse:
        """The offer as its supplier prices it now, and whether that changed."""
        if not request.offer_id:
            raise InvalidRequest([FieldViolation("offer_id", "is required")])
        offer = await self._offers.find(request.offer_id)
        if offer is None:
            raise NotFound(f"offer {request.offer_id[:64]!r} is unknown or expired; search again")
        category = CATEGORIES.get(offer.WhichOneof("details") or "", "")
        selling = self._providers.get(category, {})
        sellers = [p for p in offer.provider_prices if p.provider in selling]
        if request.provider:
            sellers = [p for p in sellers if p.provider == request.provider]
            if not sellers:
                raise InvalidRequest([FieldViolation("provider", "does not sell this offer here")])
        if not sellers:
            raise NoProviderAvailable("no supplier of this offer takes bookings here")
        seller = sellers[0]
        try:
            priced = await selling[seller.provider].price(
                for_seller(offer, seller.provider), timeout_s=PRICE_TIMEOUT_S
            )
        except OfferUnavailableError:
            raise PreconditionFailed(
                "OFFER_UNAVAILABLE", "the supplier no longer sells this offer"
            ) from None
        priced.offer_id = offer.offer_id
        shown_in = offer.price.display_total.currency_code
        if shown_in:
            display = self._fx().convert(priced.price.total, shown_in)
            if display is not None:
                priced.price.display_total.CopyFrom(display)
        # The search showed the cheapest seller's price; when that seller does not take
        # bookings here, the one that does is a change even if its own price held.
        shown = offer.price.total
        return offer_service_pb2.GetOfferResponse(
            offer=priced,
            price_changed=not same_money(priced.price.total, shown),
            previous_total=shown,
        )

"""How long a search's offers stay findable for re-pricing and booking."""

from __future__ import annotations

from guidera.v1 import offer_pb2

from guidera_grpc.booking.offers import OFFER_KEEP_MAX_S, OFFER_KEEP_S, keep_for_s

NOW = 1_800_000_000.0


def _expiring_in(seconds: float | None) -> offer_pb2.Offer:
    offer = offer_pb2.Offer(offer_id="off_x")
    if seconds is not None:
        offer.expire_time.seconds = int(NOW + seconds)
    return offer


def test_offers_without_a_later_expiry_are_kept_fifteen_minutes() -> None:
    assert keep_for_s([_expiring_in(None), _expiring_in(300)], now=NOW) == OFFER_KEEP_S
    assert keep_for_s([], now=NOW) == OFFER_KEEP_S


def test_an_offer_valid_for_thirty_minutes_is_kept_as_long() -> None:
    """Kiwi.com's booking tokens last 30 minutes: the offer must be bookable that long."""
    offers = [_expiring_in(600), _expiring_in(1800), _expiring_in(None)]

    assert keep_for_s(offers, now=NOW) == 1800


def test_no_offer_is_kept_beyond_an_hour() -> None:
    assert keep_for_s([_expiring_in(86_400)], now=NOW) == OFFER_KEEP_MAX_S

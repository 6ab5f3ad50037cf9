"""Viator product summaries, as ``/products/search`` and ``/search/freetext`` return them.

Prices are JSON numbers in the requested currency: ``fromPrice`` is the lowest per-person
retail price, ``fromPriceBeforeDiscount`` the price before a special offer. Durations are
minutes, fixed or a from–to range. Reviews are out of 5; a product nobody has reviewed yet
has ``totalReviews`` 0 and no ``combinedAverageRating``. Summaries say nothing of where the
product starts: only its destination ids.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from guidera_grpc.sandbox.activities.catalog import Experience, Listing
from guidera_grpc.sandbox.activities.specs import VIATOR
from guidera_grpc.sandbox.flights.money import Currency
from guidera_grpc.sandbox.seeds import stable_hex, stable_unit
from guidera_grpc.sandbox.viator.destinations import destination_id

SELLS_OUT_ABOVE = 20_000
DISCOUNT = Decimal("1.15")
_TAGS = {
    "guidedTour": [12026, 21972],
    "entryTicket": [12029, 21725],
    "dayTrip": [12046, 21911],
    "hopOnHopOff": [12031, 21701],
    "waterActivity": [12064, 21715],
    "workshopOrClass": [12028, 21546],
}


def flags(experience: Experience) -> list[str]:
    """The product's flags, in Viator's names."""
    spec, listing = experience.spec, experience.listings[VIATOR]
    named = (
        ("FREE_CANCELLATION", spec.free_cancellation),
        ("SKIP_THE_LINE", spec.skip_the_line),
        ("PRIVATE_TOUR", spec.per_group),
        ("SPECIAL_OFFER", _on_offer(experience)),
        ("LIKELY_TO_SELL_OUT", listing.reviews > SELLS_OUT_ABOVE),
    )
    return [name for name, applies in named if applies]


def product(experience: Experience, currency: Currency) -> dict[str, Any]:
    """One product summary."""
    listing = experience.listings[VIATOR]
    price = currency.from_eur(listing.price_eur)
    before = currency.from_eur(listing.price_eur * DISCOUNT) if _on_offer(experience) else price
    destination = destination_id(experience.city)
    slug = "-".join(word for word in listing.title.replace("&", "and").split() if word.isalnum())
    return {
        "productCode": listing.product_id,
        "title": listing.title,
        "description": experience.description,
        "images": [_image(experience.key)],
        "reviews": _reviews(listing),
        "duration": _duration(listing),
        "confirmationType": "INSTANT",
        "itineraryType": "STANDARD",
        "pricing": {
            "summary": {"fromPrice": float(price), "fromPriceBeforeDiscount": float(before)},
            "currency": currency.code,
        },
        "productUrl": (
            f"https://www.viator.com/tours/{experience.city.name.replace(' ', '-')}/{slug}"
            f"/d{destination}-{listing.product_id}?mcid=42383&medium=api&api_version=2.0"
        ),
        "destinations": [{"ref": str(destination), "primary": True}],
        "tags": _TAGS.get(experience.spec.kind, [21972]),
        "flags": flags(experience),
        "translationInfo": {"containsMachineTranslatedText": False},
    }


def _reviews(listing: Listing) -> dict[str, Any]:
    if listing.rating is None or listing.reviews == 0:
        return {
            "sources": [{"provider": "VIATOR", "totalCount": 0}],
            "totalReviews": 0,
        }
    tripadvisor = listing.reviews // 3
    return {
        "sources": [
            {
                "provider": "VIATOR",
                "totalCount": listing.reviews - tripadvisor,
                "averageRating": listing.rating,
            },
            {"provider": "TRIPADVISOR", "totalCount": tripadvisor, "averageRating": listing.rating},
        ],
        "totalReviews": listing.reviews,
        "combinedAverageRating": listing.rating,
    }


def _duration(listing: Listing) -> dict[str, int]:
    if listing.fixed_duration:
        return {"fixedDurationInMinutes": listing.minutes_from}
    return {
        "variableDurationFromMinutes": listing.minutes_from,
        "variableDurationToMinutes": listing.minutes_to,
    }


def _image(key: str) -> dict[str, Any]:
    token = stable_hex("image", key, length=8)
    path = "/".join(token[i : i + 2] for i in range(0, 8, 2))
    sizes = ((480, 720), (200, 200), (446, 674))
    return {
        "imageSource": "SUPPLIER_PROVIDED",
        "caption": "",
        "isCover": True,
        "variants": [
            {
                "height": height,
                "width": width,
                "url": (
                    "https://hare-media-cdn.tripadvisor.com/media/"
                    f"attractions-splice-spp-{width}x{height}/{path}.jpg"
                ),
            }
            for height, width in sizes
        ],
    }


def _on_offer(experience: Experience) -> bool:
    return stable_unit("special-offer", experience.key) < 0.15

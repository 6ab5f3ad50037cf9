"""Viator product summaries (``/products/search``, ``/search/freetext``) → unified ``Offer``\\ s.

Viator's habits that shape this module: the two searches wrap their products differently (a
``products`` array, or ``products.results``); ``pricing.summary.fromPrice`` is the lowest
per-person retail price as a JSON number in ``pricing.currency``, and a 0 means no price was
published (the product is skipped); ``duration`` is ``fixedDurationInMinutes``, a
``variableDurationFromMinutes``–``ToMinutes`` range (its middle is kept), or free text that
says nothing measurable; ``reviews.combinedAverageRating`` is out of 5 and absent when nobody
has reviewed the product; summaries carry no meeting point, only destination ids, so the
location is the city; ``FREE_CANCELLATION`` among the ``flags`` is all they say of refunds.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.common import (
    Json,
    MissingFieldError,
    field_int,
    field_list,
    field_map,
    field_str,
    normalize_each,
    price_of,
    required,
    required_str,
    top_level,
)
from guidera_grpc.normalizers.experiences import (
    ExperienceParts,
    Visit,
    duration_between,
    experience_offer,
    meeting_place,
    party_total,
    rating_of,
)
from guidera_grpc.normalizers.money import parse_amount, parse_currency
from guidera_grpc.providers.errors import MalformedResponseError

PROVIDER: Final = "viator"
FREE_CANCELLATION: Final = "FREE_CANCELLATION"
FREE_CANCELLATION_NOTE: Final = "Free cancellation (Viator FREE_CANCELLATION flag)"


def normalize_viator_experiences(payload: object, visit: Visit) -> list[offer_pb2.Offer]:
    """Offers from a ``/products/search`` or ``/search/freetext`` answer."""
    body = top_level(PROVIDER, payload)
    products = body.get("products")
    if isinstance(products, dict):
        products = products.get("results", [])
    if not isinstance(products, list):
        raise MalformedResponseError(PROVIDER, "expected 'products' to be an array")
    return normalize_each(PROVIDER, products, lambda product: _offer(product, visit))


def _offer(product: Json, visit: Visit) -> offer_pb2.Offer:
    code = required_str(product, "productCode")
    pricing = field_map(product, "pricing")
    from_price = parse_amount(required(field_map(pricing, "summary"), "fromPrice"))
    if from_price <= 0:
        raise MissingFieldError("pricing.summary.fromPrice")
    currency = parse_currency(pricing.get("currency") or visit.currency)
    reviews = field_map(product, "reviews")
    flags = {flag for flag in field_list(product, "flags") if isinstance(flag, str)}
    return experience_offer(
        ExperienceParts(
            provider=PROVIDER,
            provider_offer_id=code,
            price=price_of(currency, party_total(from_price, visit.adults, per_group=False)),
            title=required_str(product, "title"),
            description=field_str(product, "description"),
            location=meeting_place(visit.city, "", None, None),
            duration=_duration(field_map(product, "duration")),
            rating=rating_of(reviews.get("combinedAverageRating")),
            review_count=field_int(reviews, "totalReviews") or 0,
            conditions=_conditions(flags),
        )
    )


def _duration(duration: Json) -> dt.timedelta | None:
    fixed = field_int(duration, "fixedDurationInMinutes")
    if fixed:
        return dt.timedelta(minutes=fixed)
    low = field_int(duration, "variableDurationFromMinutes")
    high = field_int(duration, "variableDurationToMinutes")
    if low or high:
        first = dt.timedelta(minutes=low or high or 0)
        return duration_between(first, dt.timedelta(minutes=high) if high else None)
    return None


def _conditions(flags: set[str]) -> common_pb2.Conditions:
    if FREE_CANCELLATION in flags:
        return common_pb2.Conditions(
            refund=common_pb2.CONDITION_STATUS_ALLOWED, notes=FREE_CANCELLATION_NOTE
        )
    return common_pb2.Conditions()


def viator_destination_ids(payload: object) -> dict[str, str]:
    """Destination ids by IATA code, from the ``/v1/taxonomy/destinations`` list of cities."""
    body = top_level(PROVIDER, payload)
    entries = body.get("data")
    if not isinstance(entries, list):
        raise MalformedResponseError(PROVIDER, "expected 'data' to be an array of destinations")
    ids: dict[str, str] = {}
    for item in entries:
        entry = item if isinstance(item, dict) else {}
        code = field_str(entry, "iataCode").upper()
        destination = field_str(entry, "destinationId")
        if code and destination and field_str(entry, "destinationType").upper() != "COUNTRY":
            ids.setdefault(code, destination)
    return ids

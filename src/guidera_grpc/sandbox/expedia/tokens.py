"""The tokens of Rapid's links, which carry what the next call needs to know.

A price-check token holds the stay, the currency and the occupancies of the search that gave
it; a book token holds the rate it books and the price checked. Both are base64url JSON, so
the emulator reads them back without remembering any search.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson

from guidera_grpc.sandbox.expedia.query import AvailabilityQuery
from guidera_grpc.sandbox.flights.money import currency
from guidera_grpc.sandbox.stays.rooms import Occupancy


class BadToken(ValueError):
    """A token this emulator did not give out."""


def encode(fields: Mapping[str, Any]) -> str:
    """``fields`` as a token."""
    return base64.urlsafe_b64encode(orjson.dumps(fields)).decode().rstrip("=")


def decode(token: str) -> dict[str, Any]:
    """The fields of a token; ``BadToken`` when it is not one of ours."""
    try:
        fields = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, orjson.JSONDecodeError):
        raise BadToken(token) from None
    if not isinstance(fields, dict):
        raise BadToken(token)
    return fields


def price_check_token(query: AvailabilityQuery) -> str:
    """The token of a price-check link for a rate found by ``query``."""
    return encode(
        {
            "checkin": query.check_in.isoformat(),
            "checkout": query.check_out.isoformat(),
            "currency": query.currency.code,
            "occupancy": list(query.occupancies),
            "rooms": [[room.adults, list(room.child_ages)] for room in query.rooms],
        }
    )


def query_of(token: str, property_id: str) -> AvailabilityQuery:
    """The search a price-check token came from, for one property."""
    fields = decode(token)
    money = currency(str(fields.get("currency", "")))
    if money is None:
        raise BadToken(token)
    try:
        rooms = tuple(Occupancy(int(adults), tuple(ages)) for adults, ages in fields["rooms"])
        query = AvailabilityQuery(
            check_in=dt.date.fromisoformat(fields["checkin"]),
            check_out=dt.date.fromisoformat(fields["checkout"]),
            currency=money,
            occupancies=tuple(fields["occupancy"]),
            rooms=rooms,
            property_ids=(property_id,),
            rate_plan_count=250,
            refundable_only=False,
        )
    except (KeyError, TypeError, ValueError):
        raise BadToken(token) from None
    return query

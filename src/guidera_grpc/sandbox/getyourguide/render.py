"""Tours and availabilities as GetYourGuide writes them.

Prices are JSON floats in the requested currency, "from" prices per person (or per group, as
``price.description`` says), and now and then carry binary noise (``59.00000000000001``).
Durations are numbers with a unit (``hour``, ``minute`` or ``day``); ratings are out of 5.
Coordinates are left out where the sandbox does not know the city's centre. Availabilities give
local start times without an offset and the vacancies left.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from guidera_grpc.sandbox.activities.catalog import Experience, Listing
from guidera_grpc.sandbox.activities.specs import GYG, Point
from guidera_grpc.sandbox.flights.money import Currency
from guidera_grpc.sandbox.getyourguide.errors import DESCRIPTOR
from guidera_grpc.sandbox.seeds import stable_hex, stable_int, stable_unit
from guidera_grpc.sandbox.wire import now_utc, wall_clock

PARTNER_ID = "SANDBOX"
FREE_CANCELLATION = "You can cancel up to 24 hours in advance of the experience for a full refund."
NON_REFUNDABLE = "This activity is non-refundable."
_CATEGORIES = {
    "guidedTour": (1, "Guided tours"),
    "entryTicket": (2, "Tickets & passes"),
    "dayTrip": (3, "Day trips"),
    "hopOnHopOff": (4, "Hop-on hop-off tours"),
    "waterActivity": (5, "Boat tours & cruises"),
    "workshopOrClass": (6, "Classes & workshops"),
    "privateTour": (7, "Private tours"),
}


def metadata(
    method: str,
    query: str,
    currency: Currency,
    *,
    total: int,
    limit: int,
    offset: int,
    languages: list[str],
) -> dict[str, Any]:
    """The ``_metadata`` object every successful answer starts with."""
    return {
        "descriptor": DESCRIPTOR,
        "method": method,
        "date": wall_clock(now_utc()),
        "status": "OK",
        "query": query,
        "availableLanguages": languages,
        "exchange": {"rate": float(currency.per_eur), "currency": currency.code},
        "totalCount": total,
        "limit": limit,
        "offset": offset,
    }


def tour(experience: Experience, currency: Currency) -> dict[str, Any]:
    """One tour of a search answer."""
    listing = experience.listings[GYG]
    spec = experience.spec
    tour_id = int(listing.product_id)
    category_id, category = _CATEGORIES.get(spec.kind, (1, "Guided tours"))
    body: dict[str, Any] = {
        "tour_id": tour_id,
        "cond_language": list(experience.languages),
        "title": listing.title,
        "abstract": experience.description,
        "description": f"{experience.description} {_meeting_text(experience.meeting_point)}",
        "bestseller": listing.reviews > 20_000,
        "certified": stable_unit("certified", experience.key) < 0.3,
        "has_pick_up": False,
        "overall_rating": listing.rating or 0,
        "number_of_ratings": listing.reviews,
        "pictures": [_picture(experience.key, n) for n in range(2)],
        "price": {
            "values": {"amount": _amount(listing, currency, experience.key)},
            "description": "per group up to 8" if spec.per_group else "per person",
        },
        "categories": [{"category_id": category_id, "name": category}],
        "activity_type": spec.kind,
        "locations": _locations(experience),
        "url": f"https://www.getyourguide.com/-t{tour_id}/?partner_id={PARTNER_ID}",
        "durations": durations(listing),
        "cancellation_policy_text": FREE_CANCELLATION if spec.free_cancellation else NON_REFUNDABLE,
        "inclusions": "• Live tour guide" if spec.kind != "entryTicket" else "• Entry ticket",
        "free_sale": True,
        "guide_type": "live_tour_guide" if spec.kind != "entryTicket" else "none",
    }
    if _placed(experience):
        point = experience.meeting_point
        body["coordinates"] = {"lat": point.lat, "long": point.lon}
    return body


def durations(listing: Listing) -> list[dict[str, Any]]:
    """``[{duration, unit}]``: one entry, or two for a range."""
    minutes = sorted({listing.minutes_from, listing.minutes_to})
    return [_duration(value) for value in minutes]


def availabilities(experience: Experience, days: list[dt.date]) -> list[dict[str, Any]]:
    """The open start times of the days given, sold-out ones left out."""
    listing = experience.listings[GYG]
    return [
        {
            "start_time": wall_clock(slot.start),
            "pricing_id": 100_000 + stable_int("pricing", listing.product_id) % 900_000,
            "vacancies": slot.places_left,
        }
        for day in days
        for slot in experience.slots(day)
        if slot.places_left > 0
    ]


def _duration(minutes: int) -> dict[str, Any]:
    if minutes % (24 * 60) == 0:
        return {"duration": minutes // (24 * 60), "unit": "day"}
    if minutes < 60:
        return {"duration": minutes, "unit": "minute"}
    hours = minutes / 60
    return {"duration": int(hours) if hours.is_integer() else round(hours, 2), "unit": "hour"}


def _amount(listing: Listing, currency: Currency, key: str) -> float:
    amount = float(currency.from_eur(listing.price_eur))
    if stable_unit("float-noise", key) < 0.25:
        return math.nextafter(amount, math.inf)
    return amount


def _placed(experience: Experience) -> bool:
    return experience.city.centre_known or experience.spec.point is not None


def _locations(experience: Experience) -> list[dict[str, Any]]:
    city = experience.city
    place: dict[str, Any] = {
        "location_id": 1000 + stable_int("location", city.code) % 90_000,
        "type": "CITY",
        "name": city.name,
        "english_name": city.name,
        "city": city.name,
        "country": city.country,
    }
    if city.centre_known:
        place["coordinates"] = {"lat": city.lat, "long": city.lon}
    return [place]


def _meeting_text(point: Point) -> str:
    return f"Meeting point: {point.name}."


def _picture(key: str, number: int) -> dict[str, Any]:
    token = stable_hex("picture", key, number, length=16)
    url = f"https://cdn.getyourguide.com/img/tour/{token}.jpeg/[format_id].jpg"
    return {
        "id": stable_int("picture", key, number) % 10_000_000,
        "url": url,
        "ssl_url": url,
        "verified": number == 0,
    }


def ordered(found: list[Experience], field: str, descending: bool) -> list[Experience]:
    """Tours by ``sortfield``; popularity keeps the catalogue's order (most reviewed first)."""
    if field == "popularity":
        return found if descending else found[::-1]
    keys: dict[str, Callable[[Experience], float]] = {
        "price": lambda e: float(e.listings[GYG].price_eur),
        "rating": lambda e: e.listings[GYG].rating or 0.0,
        "duration": lambda e: float(e.listings[GYG].minutes_from),
    }
    return sorted(found, key=keys[field], reverse=descending)

"""Activities as the Hotelbeds Activities API 3.0 writes them in a search answer.

Amounts are JSON numbers in euros: ``amountsFrom`` per pax type, and for each day a rate
detail with its sessions (start times), total and cancellation policies (``dateFrom`` with
the local offset, ``amount`` kept from then on). Durations are a value and a metric (``HOURS``,
``MINUTES``, ``DAYS``); languages are upper-case codes. Private tours are priced per service,
not per person. Hotelbeds publishes no reviews. The meeting point sits in ``content.location``
when the sandbox knows where it is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from guidera_grpc.sandbox.activities.catalog import Experience, Listing
from guidera_grpc.sandbox.activities.specs import HOTELBEDS
from guidera_grpc.sandbox.kiwi.countries import country_name
from guidera_grpc.sandbox.seeds import stable_hex
from guidera_grpc.sandbox.wire import now_utc

CURRENCY = "EUR"
CHILD_SHARE = Decimal("0.7")
BOX_OFFICE_MARKUP = Decimal("1.08")
CENT = Decimal("0.01")
_WEEKDAYS = (
    ("MON", "Monday"),
    ("TUE", "Tuesday"),
    ("WED", "Wednesday"),
    ("THU", "Thursday"),
    ("FRI", "Friday"),
    ("SAT", "Saturday"),
    ("SUN", "Sunday"),
)
_LANGUAGE_NAMES = {
    "en": "English", "it": "Italian", "fr": "French", "es": "Spanish", "de": "German",
    "pt": "Portuguese", "nl": "Dutch", "ja": "Japanese", "zh": "Chinese", "ko": "Korean",
}  # fmt: skip


def audit_data(started: dt.datetime) -> dict[str, Any]:
    """``auditData``: how long it took and when, with no zone on the time."""
    now = now_utc()
    elapsed_ms = max(1, round((now - started).total_seconds() * 1000))
    return {
        "processTime": str(elapsed_ms),
        "time": now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}",
        "serverId": "sandbox.activities",
        "environment": "[sandbox]",
    }


def activity(experience: Experience, days: list[dt.date]) -> dict[str, Any]:
    """One activity of a search answer, with a rate detail for each of ``days``."""
    listing = experience.listings[HOTELBEDS]
    city = experience.city
    amounts = _amounts_from(listing)
    return {
        "code": listing.product_id,
        "type": "TICKET" if experience.spec.kind == "entryTicket" else "EXCURSION",
        "name": listing.title,
        "currency": CURRENCY,
        "currencyName": "Euro",
        "amountsFrom": amounts,
        "country": {
            "code": city.country,
            "name": country_name(city.country),
            "destinations": [{"code": city.code, "name": city.name}],
        },
        "operationDays": [
            {"code": code, "name": name}
            for number, (code, name) in enumerate(_WEEKDAYS)
            if number not in experience.spec.closed
        ],
        "modalities": [_modality(experience, listing, amounts, days)],
        "content": _content(experience, listing),
    }


def _modality(
    experience: Experience, listing: Listing, amounts: list[dict[str, Any]], days: list[dt.date]
) -> dict[str, Any]:
    duration = _duration(listing.minutes_from)
    return {
        "code": f"{listing.minutes_from // 60 or 1}H@STANDARD",
        "name": "Private service" if experience.spec.per_group else "Standard",
        "duration": duration,
        "destinationCode": experience.city.code,
        "amountsFrom": amounts,
        "amountUnitType": "SERVICE" if experience.spec.per_group else "PAX",
        "rates": [
            {
                "rateCode": "STANDARD",
                "rateClass": "NOR" if experience.spec.free_cancellation else "NRF",
                "name": "Standard",
                "rateDetails": [
                    _rate_detail(experience, listing, day)
                    for day in days
                    if experience.operates_on(day)
                ],
            }
        ],
    }


def _rate_detail(experience: Experience, listing: Listing, day: dt.date) -> dict[str, Any]:
    slots = [slot for slot in experience.slots(day) if slot.places_left > 0]
    total = listing.price_eur
    first_start = slots[0].start if slots else dt.datetime.combine(day, dt.time(9))
    return {
        "rateKey": stable_hex("rate-key", listing.product_id, day, length=32),
        "operationDates": [
            {
                "from": day.isoformat(),
                "to": day.isoformat(),
                "cancellationPolicies": [_cancellation(experience, first_start, total)],
            }
        ],
        "languages": [_language(code) for code in experience.languages],
        "sessions": [
            {"code": slot.start.strftime("%H:%M"), "name": slot.start.strftime("%H:%M")}
            for slot in slots
        ],
        "totalAmount": {
            "amount": float(total),
            "boxOfficeAmount": float((total * BOX_OFFICE_MARKUP).quantize(CENT)),
            "mandatoryApplyAmount": False,
        },
    }


def _cancellation(experience: Experience, start: dt.datetime, total: Decimal) -> dict[str, Any]:
    """The whole amount is kept from 24 hours before the start, or from now when non-refundable."""
    zone = ZoneInfo(experience.city.tz)
    if experience.spec.free_cancellation:
        since = (start - dt.timedelta(hours=24)).replace(tzinfo=zone)
    else:
        since = now_utc().astimezone(zone).replace(microsecond=0)
    return {"dateFrom": since.isoformat(timespec="seconds"), "amount": float(total)}


def _amounts_from(listing: Listing) -> list[dict[str, Any]]:
    adult = listing.price_eur
    child = (adult * CHILD_SHARE).quantize(CENT)
    return [
        _pax_amount("ADULT", 12, 99, adult),
        _pax_amount("CHILD", 4, 11, child),
    ]


def _pax_amount(kind: str, age_from: int, age_to: int, amount: Decimal) -> dict[str, Any]:
    return {
        "paxType": kind,
        "ageFrom": age_from,
        "ageTo": age_to,
        "amount": float(amount),
        "boxOfficeAmount": float((amount * BOX_OFFICE_MARKUP).quantize(CENT)),
        "mandatoryApplyAmount": False,
    }


def _duration(minutes: int) -> dict[str, Any]:
    if minutes % (24 * 60) == 0:
        return {"value": minutes // (24 * 60), "metric": "DAYS"}
    if minutes % 30:
        return {"value": minutes, "metric": "MINUTES"}
    hours = minutes / 60
    return {"value": int(hours) if hours.is_integer() else hours, "metric": "HOURS"}


def _language(code: str) -> dict[str, str]:
    return {"code": code.upper(), "description": _LANGUAGE_NAMES.get(code, code.upper())}


def _content(experience: Experience, listing: Listing) -> dict[str, Any]:
    content: dict[str, Any] = {
        "name": listing.title,
        "description": experience.description,
        "scheduling": {"duration": _duration(listing.minutes_from)},
    }
    if experience.city.centre_known or experience.spec.point is not None:
        point = experience.meeting_point
        content["location"] = {
            "startingPoints": [
                {
                    "type": "MEETING_POINT",
                    "meetingPoint": {
                        "type": "CUSTOM",
                        "geolocation": {"latitude": point.lat, "longitude": point.lon},
                        "address": point.name,
                        "city": experience.city.name,
                        "country": {"code": experience.city.country},
                        "description": f"Meet at {point.name}.",
                    },
                }
            ]
        }
    return content

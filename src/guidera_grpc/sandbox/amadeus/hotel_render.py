"""Amadeus hotel bodies: Hotel List entries and Hotel Search v3 ``hotel-offers``.

Prices are decimal strings; ``total`` includes the VAT listed as an included tax, while a
tourist tax is listed with ``included: false`` (paid at the hotel). Cancellation deadlines
carry the hotel's UTC offset. A few hotels have no coordinates.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.seeds import stable_hex, stable_int, stable_unit
from guidera_grpc.sandbox.stays.assortment import Listing
from guidera_grpc.sandbox.stays.cities import City
from guidera_grpc.sandbox.stays.properties import distance_m
from guidera_grpc.sandbox.stays.rates import Quote

BOARD_TYPES = {"RO": "ROOM_ONLY", "BB": "BREAKFAST", "HB": "HALF_BOARD"}
LAST_UPDATE = "2025-11-04T09:12:40"


def list_entry(item: Listing, city: City) -> dict[str, Any]:
    """One hotel of a Hotel List answer."""
    prop = item.hotel
    entry: dict[str, Any] = {
        "chainCode": item.supplier_id[:2],
        "iataCode": city.code,
        "dupeId": 700000000 + stable_int("dupe", prop.key) % 99999999,
        "name": item.name,
        "hotelId": item.supplier_id,
    }
    if item.lat is not None and item.lon is not None:
        entry["geoCode"] = {"latitude": item.lat, "longitude": item.lon}
        away = distance_m(city.lat, city.lon, item.lat, item.lon) / 1000
        entry["distance"] = {"value": round(away, 2), "unit": "KM"}
    address: dict[str, Any] = {"countryCode": city.country}
    if stable_unit("amadeus-address", prop.key) < 0.7:
        address |= {
            "lines": [prop.address_line.upper()],
            "postalCode": prop.postal_code,
            "cityName": city.name.upper(),
        }
    entry["address"] = address
    entry["lastUpdate"] = LAST_UPDATE
    return entry


def hotel_offers(item: Listing, quotes: list[Quote], adults: int, self_url: str) -> dict[str, Any]:
    """One ``hotel-offers`` item: the hotel and its offers."""
    prop = item.hotel
    hotel: dict[str, Any] = {
        "type": "hotel",
        "hotelId": item.supplier_id,
        "chainCode": item.supplier_id[:2],
        "dupeId": str(700000000 + stable_int("dupe", prop.key) % 99999999),
        "name": item.name,
        "cityCode": prop.city.code,
    }
    if item.lat is not None and item.lon is not None:
        hotel |= {"latitude": item.lat, "longitude": item.lon}
    return {
        "type": "hotel-offers",
        "hotel": hotel,
        "available": bool(quotes),
        "offers": [_offer(quote, adults, self_url) for quote in quotes],
        "self": self_url,
    }


def _offer(quote: Quote, adults: int, self_url: str) -> dict[str, Any]:
    offer_id = stable_hex(
        "amadeus-offer", quote.listing.supplier_id, quote.room.code, quote.plan.code, length=10
    ).upper()
    first_night = quote.rooms[0].nights[0].day
    last_night = quote.rooms[0].nights[-1].day
    base_url = self_url.split("?", 1)[0]
    return {
        "id": offer_id,
        "checkInDate": first_night.isoformat(),
        "checkOutDate": (last_night + dt.timedelta(days=1)).isoformat(),
        "rateCode": "RAC" if quote.plan.refundable else "PRO",
        "rateFamilyEstimated": {"code": "BAR" if quote.plan.refundable else "PRO", "type": "P"},
        "boardType": BOARD_TYPES[quote.plan.board],
        "room": {
            "type": f"{quote.room.code[0]}{quote.room.beds}{quote.room.bed[0]}",
            "typeEstimated": {
                "category": quote.room.category,
                "beds": quote.room.beds,
                "bedType": quote.room.bed,
            },
            "description": {"text": quote.room.name.upper(), "lang": "EN"},
        },
        "guests": {"adults": adults},
        "price": _price(quote),
        "policies": _policies(quote),
        "self": f"{base_url}/{offer_id}",
    }


def _price(quote: Quote) -> dict[str, Any]:
    money = quote.currency
    taxes = [_tax("VALUE_ADDED_TAX", quote.tax, money, included=True)]
    if quote.city_tax:
        taxes.append(_tax("CITY_TAX", quote.city_tax, money, included=False))
    changes = []
    for number, night in enumerate(quote.rooms[0].nights):
        base = sum((room.nights[number].base for room in quote.rooms), Decimal(0))
        changes.append(
            {
                "startDate": night.day.isoformat(),
                "endDate": (night.day + dt.timedelta(days=1)).isoformat(),
                "base": format_amount(base, money),
            }
        )
    average = quote.base / len(changes)
    return {
        "currency": money.code,
        "base": format_amount(quote.base, money),
        "total": format_amount(quote.total, money),
        "taxes": taxes,
        "variations": {"average": {"base": format_amount(average, money)}, "changes": changes},
    }


def _tax(code: str, amount: Decimal, money: Currency, *, included: bool) -> dict[str, Any]:
    return {
        "code": code,
        "amount": format_amount(amount, money),
        "currency": money.code,
        "included": included,
        "pricingMode": "PER_STAY",
    }


def _policies(quote: Quote) -> dict[str, Any]:
    if not quote.plan.refundable:
        return {
            "paymentType": "deposit",
            "refundable": {"cancellationRefund": "NON_REFUNDABLE"},
        }
    cancellation: dict[str, Any] = {
        "deadline": quote.penalty_from.isoformat(timespec="seconds"),
    }
    if quote.plan.full_penalty:
        cancellation["amount"] = format_amount(quote.total, quote.currency)
    else:
        cancellation["numberOfNights"] = 1
    return {
        "paymentType": "guarantee",
        "cancellations": [cancellation],
        "refundable": {"cancellationRefund": "REFUNDABLE_UP_TO_DEADLINE"},
    }

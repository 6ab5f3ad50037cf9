"""Reading an Amadeus Flight Offers Search: the GET query string or the POST JSON body.

Both become the shared FlightSearch plus the Amadeus-only options (currency, how many offers,
maximum price) and the travellers, whose ids and types the response repeats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from multidict import MultiMapping

from guidera_grpc.sandbox.flights import fields
from guidera_grpc.sandbox.flights.catalog import FlightSearch, Passengers, SliceRequest
from guidera_grpc.sandbox.flights.fares import Cabin
from guidera_grpc.sandbox.flights.money import EUR, Currency, currency
from guidera_grpc.sandbox.wire import BadParameter

MAX_OFFERS = 250
_TRAVELER_TYPES = {"ADULT": "ADULT", "CHILD": "CHILD", "HELD_INFANT": "HELD_INFANT"}


@dataclass(frozen=True, slots=True)
class Traveler:
    """One traveller as the response names it."""

    id: str
    type: str
    associated_adult_id: str | None = None


@dataclass(frozen=True, slots=True)
class AmadeusSearch:
    """A parsed search with the options only Amadeus has."""

    search: FlightSearch
    travelers: tuple[Traveler, ...]
    currency: Currency
    max_offers: int
    max_price: int | None


def from_query(query: MultiMapping[str]) -> AmadeusSearch:
    """``GET /v2/shopping/flight-offers`` parameters."""
    origin = fields.places(_required(query, "originLocationCode"), "originLocationCode")
    destination = fields.places(
        _required(query, "destinationLocationCode"), "destinationLocationCode"
    )
    departure = fields.day(_required(query, "departureDate"), "departureDate")
    slices = [SliceRequest(origin, destination, (departure,))]
    if query.get("returnDate"):
        back = fields.day(query["returnDate"], "returnDate")
        if back < departure:
            raise BadParameter("returnDate", "the return date is before the departure date")
        slices.append(SliceRequest(destination, origin, (back,)))
    adults = fields.count(_required(query, "adults"), "adults", low=1, high=9, default=1)
    children = fields.count(query.get("children"), "children", low=0, high=9, default=0)
    infants = fields.count(query.get("infants"), "infants", low=0, high=9, default=0)
    passengers = fields.travellers(adults, children, infants, "adults")
    included = _carrier_list(query.get("includedAirlineCodes"), "includedAirlineCodes")
    excluded = _carrier_list(query.get("excludedAirlineCodes"), "excludedAirlineCodes")
    if included and excluded:
        raise BadParameter(
            "excludedAirlineCodes",
            "includedAirlineCodes and excludedAirlineCodes exclude each other",
        )
    search = FlightSearch(
        slices=tuple(slices),
        passengers=passengers,
        cabin=_cabin(query.get("travelClass"), "travelClass"),
        max_stops=0 if _flag(query.get("nonStop"), "nonStop") else None,
        only_carriers=included,
        excluded_carriers=excluded,
    )
    return AmadeusSearch(
        search=search,
        travelers=_numbered_travelers(passengers),
        currency=_currency(query.get("currencyCode"), "currencyCode"),
        max_offers=fields.count(
            query.get("max"), "max", low=1, high=MAX_OFFERS, default=MAX_OFFERS
        ),
        max_price=_optional_count(query.get("maxPrice"), "maxPrice"),
    )


def from_body(body: Any) -> AmadeusSearch:
    """``POST /v2/shopping/flight-offers`` JSON body; fields are named by JSON pointer."""
    if not isinstance(body, Mapping):
        raise BadParameter("/", "the body must be a JSON object")
    legs = body.get("originDestinations")
    if not isinstance(legs, list) or not legs:
        raise BadParameter("/originDestinations", "at least one origin-destination is required")
    travelers = _body_travelers(body.get("travelers"))
    criteria = _object(body.get("searchCriteria"), "/searchCriteria")
    filters = _object(criteria.get("flightFilters"), "/searchCriteria/flightFilters")
    carriers = _object(
        filters.get("carrierRestrictions"), "/searchCriteria/flightFilters/carrierRestrictions"
    )
    connections = _object(
        filters.get("connectionRestriction"),
        "/searchCriteria/flightFilters/connectionRestriction",
    )
    max_stops = connections.get("maxNumberOfConnections")
    if max_stops is not None and not isinstance(max_stops, int):
        raise BadParameter(
            "/searchCriteria/flightFilters/connectionRestriction/maxNumberOfConnections",
            "must be a whole number",
        )
    search = FlightSearch(
        slices=tuple(_body_slice(leg, index) for index, leg in enumerate(legs)),
        passengers=_count_travelers(travelers),
        cabin=_body_cabin(filters.get("cabinRestrictions")),
        max_stops=max_stops,
        only_carriers=_code_set(carriers.get("includedCarrierCodes")),
        excluded_carriers=_code_set(carriers.get("excludedCarrierCodes")),
    )
    wanted = criteria.get("maxFlightOffers", MAX_OFFERS)
    if not isinstance(wanted, int) or not 1 <= wanted <= MAX_OFFERS:
        raise BadParameter("/searchCriteria/maxFlightOffers", f"must be 1..{MAX_OFFERS}")
    price_cap = criteria.get("maxPrice")
    if price_cap is not None and not isinstance(price_cap, int):
        raise BadParameter("/searchCriteria/maxPrice", "must be a whole number")
    return AmadeusSearch(
        search=search,
        travelers=travelers,
        currency=_currency(body.get("currencyCode"), "/currencyCode"),
        max_offers=wanted,
        max_price=price_cap,
    )


def _required(query: MultiMapping[str], name: str) -> str:
    value = query.get(name, "").strip()
    if not value:
        raise BadParameter(name, f"{name} is required")
    return value


def _flag(value: str | None, name: str) -> bool:
    if value is None or value == "":
        return False
    if value.lower() not in ("true", "false"):
        raise BadParameter(name, f"{value!r} is not true or false")
    return value.lower() == "true"


def _cabin(value: str | None, name: str) -> Cabin:
    if not value:
        return Cabin.ECONOMY
    try:
        return Cabin[value.strip().upper()]
    except KeyError:
        raise BadParameter(
            name, f"{value!r} is not one of {', '.join(Cabin.__members__)}"
        ) from None


def _currency(value: object, name: str) -> Currency:
    if value is None or value == "":
        return EUR
    found = currency(value) if isinstance(value, str) else None
    if found is None:
        raise BadParameter(name, f"{value!r} is not a supported ISO 4217 currency code")
    return found


def _optional_count(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    return fields.count(value, name, low=1, high=10_000_000, default=0)


def _carrier_list(value: str | None, name: str) -> frozenset[str]:
    if not value:
        return frozenset()
    codes = [code.strip().upper() for code in value.split(",")]
    if any(len(code) != 2 or not code.isalnum() for code in codes):
        raise BadParameter(name, f"{value!r} is not a comma-separated list of airline codes")
    return frozenset(codes)


def _numbered_travelers(passengers: Passengers) -> tuple[Traveler, ...]:
    kinds = (
        ["ADULT"] * passengers.adults
        + ["CHILD"] * passengers.children
        + ["HELD_INFANT"] * passengers.infants
    )
    travelers: list[Traveler] = []
    for number, kind in enumerate(kinds, start=1):
        infant_index = number - passengers.adults - passengers.children
        adult = str(infant_index) if kind == "HELD_INFANT" else None
        travelers.append(Traveler(str(number), kind, adult))
    return tuple(travelers)


def _object(value: object, pointer: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadParameter(pointer, "must be a JSON object")
    return value


def _body_slice(leg: object, index: int) -> SliceRequest:
    pointer = f"/originDestinations/{index}"
    item = _object(leg, pointer)
    origin = item.get("originLocationCode")
    destination = item.get("destinationLocationCode")
    when = _object(item.get("departureDateTimeRange"), f"{pointer}/departureDateTimeRange")
    if not isinstance(origin, str):
        raise BadParameter(f"{pointer}/originLocationCode", "originLocationCode is required")
    if not isinstance(destination, str):
        raise BadParameter(
            f"{pointer}/destinationLocationCode", "destinationLocationCode is required"
        )
    departure = when.get("date")
    if not isinstance(departure, str):
        raise BadParameter(f"{pointer}/departureDateTimeRange/date", "date is required")
    return SliceRequest(
        fields.places(origin, f"{pointer}/originLocationCode"),
        fields.places(destination, f"{pointer}/destinationLocationCode"),
        (fields.day(departure, f"{pointer}/departureDateTimeRange/date"),),
    )


def _body_travelers(value: object) -> tuple[Traveler, ...]:
    if not isinstance(value, list) or not value:
        raise BadParameter("/travelers", "at least one traveler is required")
    travelers: list[Traveler] = []
    for index, item in enumerate(value):
        entry = _object(item, f"/travelers/{index}")
        kind = _TRAVELER_TYPES.get(str(entry.get("travelerType", "")).upper())
        if kind is None:
            raise BadParameter(
                f"/travelers/{index}/travelerType", "must be ADULT, CHILD or HELD_INFANT"
            )
        adult = entry.get("associatedAdultId")
        travelers.append(
            Traveler(str(entry.get("id", index + 1)), kind, str(adult) if adult else None)
        )
    return tuple(travelers)


def _count_travelers(travelers: tuple[Traveler, ...]) -> Passengers:
    adults = sum(traveler.type == "ADULT" for traveler in travelers)
    children = sum(traveler.type == "CHILD" for traveler in travelers)
    infants = sum(traveler.type == "HELD_INFANT" for traveler in travelers)
    return fields.travellers(adults, children, infants, "/travelers")


def _body_cabin(restrictions: object) -> Cabin:
    if not restrictions:
        return Cabin.ECONOMY
    if not isinstance(restrictions, list):
        raise BadParameter("/searchCriteria/flightFilters/cabinRestrictions", "must be a list")
    first = _object(restrictions[0], "/searchCriteria/flightFilters/cabinRestrictions/0")
    return _cabin(
        str(first.get("cabin", "")), "/searchCriteria/flightFilters/cabinRestrictions/0/cabin"
    )


def _code_set(value: object) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(str(code).strip().upper() for code in value)

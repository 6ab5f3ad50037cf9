"""An ``OTA_VehAvailRateRS`` in CarTrawler's JSON-OTA form.

Offers are grouped into one ``VehVendorAvail`` per vendor and desk, each with its cars under
``VehAvails`` and the desk (two desks for a one-way rental) under ``Info/LocationDetails``.
Every amount is a decimal string. ``TotalCharge/@RateTotalAmount`` is the rate and
``@EstimatedTotalAmount`` adds the tax and the fees included in it; a fee with
``@IncludedInEstTotalInd="false"`` is paid at the counter, in the country's currency. As in
CarTrawler's answers, ``Fee/@Purpose`` 22 is what is charged when booking and 23 what is paid
on arrival. Cars sold on two rate plans appear twice, with different references.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from guidera_grpc.sandbox.cars.catalog import CarOffer, Coverage, Mileage
from guidera_grpc.sandbox.cars.locations import RentalLocation
from guidera_grpc.sandbox.cars.pricing import Charge, Quote
from guidera_grpc.sandbox.cars.vendors import PAY_AT_COUNTER, PREPAID, Vendor
from guidera_grpc.sandbox.cartrawler.ota import Json, compact, envelope, flag, inline, wrapped
from guidera_grpc.sandbox.cartrawler.query import CarTrawlerSearch
from guidera_grpc.sandbox.flights.money import Currency, format_amount
from guidera_grpc.sandbox.kiwi.countries import country_name
from guidera_grpc.sandbox.seeds import stable_int
from guidera_grpc.sandbox.wire import now_utc, utc_iso, wall_clock

FEE = "5"
CHARGED_AT_BOOKING = "22"
PAID_ON_ARRIVAL = "23"
RATE_QUALIFIERS = {PREPAID: "PREPAY", PAY_AT_COUNTER: "PAYLOCAL"}
NO_AVAILABILITY = "No vehicles available for the requested criteria"
YOUNG_DRIVER = "Drivers under 25 pay a young driver surcharge at the counter"


def availability(
    offers: Sequence[CarOffer], parsed: CarTrawlerSearch, target: str, version: str
) -> Json:
    """The whole body of the answer."""
    core: Json = {"VehRentalCore": _rental_core(parsed, offers)}
    core["VehVendorAvails"] = wrapped("VehVendorAvail", _vendor_avails(offers))
    body = {**envelope(target, version), "Success": {}}
    warnings = _warnings(offers, parsed)
    if warnings:
        body["Warnings"] = wrapped("Warning", warnings)
    body["VehAvailRSCore"] = compact(core)
    return body


def _warnings(offers: Sequence[CarOffer], parsed: CarTrawlerSearch) -> list[Json]:
    warnings = []
    if not offers:
        warnings.append({"@Type": "1", "@ShortText": NO_AVAILABILITY, "@RecordID": "424"})
    if parsed.query.driver_age < 25:
        warnings.append({"@Type": "1", "@ShortText": YOUNG_DRIVER, "@RecordID": "201"})
    return warnings


def _rental_core(parsed: CarTrawlerSearch, offers: Sequence[CarOffer]) -> Json:
    query = parsed.query
    first = offers[0].rental if offers else None
    pick_up, drop_off = (first.pick_up, first.drop_off) if first else (None, None)
    return {
        "@PickUpDateTime": wall_clock(query.pick_up_at),
        "@ReturnDateTime": wall_clock(query.return_at),
        "PickUpLocation": _searched(query.pick_up, parsed.pick_up_context, pick_up),
        "ReturnLocation": _searched(query.drop_off, parsed.return_context, drop_off),
    }


def _searched(code: str, context: str, desk: RentalLocation | None) -> Json:
    name = desk.name if desk is not None and desk.code == code else code
    return {"@LocationCode": code, "@CodeContext": context, "@Name": name}


def _vendor_avails(offers: Sequence[CarOffer]) -> list[Json]:
    groups: dict[tuple[str, str, str], list[CarOffer]] = {}
    for offer in offers:
        rental = offer.rental
        key = (rental.vendor.code, rental.pick_up.key, rental.drop_off.key)
        groups.setdefault(key, []).append(offer)
    return [_vendor_avail(group) for group in groups.values()]


def _vendor_avail(group: list[CarOffer]) -> Json:
    rental = group[0].rental
    vendor = rental.vendor
    desks = [rental.pick_up]
    if rental.drop_off != rental.pick_up:
        desks.append(rental.drop_off)
    return {
        "Vendor": {"@Code": vendor.code, "@CompanyShortName": vendor.name, "#text": vendor.name},
        "VehAvails": wrapped("VehAvail", [_veh_avail(offer) for offer in group]),
        "Info": {"LocationDetails": inline([_desk(vendor, desk) for desk in desks])},
    }


def _desk(vendor: Vendor, desk: RentalLocation) -> Json:
    return {
        "@AtAirport": flag(desk.at_airport),
        "@Code": str(10_000 + stable_int("desk-id", vendor.code, desk.key) % 90_000),
        "@CodeContext": "CARTRAWLER",
        "@ExtendedLocationCode": desk.code,
        "@Name": desk.name,
        "Address": {
            "AddressLine": desk.address,
            "CityName": desk.city,
            "CountryName": {"@Code": desk.country, "#text": country_name(desk.country)},
        },
        "Position": {"@Latitude": f"{desk.lat:.6f}", "@Longitude": f"{desk.lon:.6f}"},
    }


def _veh_avail(offer: CarOffer) -> Json:
    quote, rental = offer.quote, offer.rental
    core = {
        "@Status": "OnRequest" if offer.on_request else "Available",
        "Vehicle": _vehicle(offer),
        "RentalRate": _rental_rate(offer),
        "TotalCharge": {
            "@RateTotalAmount": _amount(quote.rate, quote.currency),
            "@EstimatedTotalAmount": _amount(quote.total, quote.currency),
            "@CurrencyCode": quote.currency.code,
        },
        "Fees": wrapped("Fee", _fees(quote, rental.plan)),
        "Reference": {
            "@Type": "16",
            "@ID": offer.reference,
            "@ID_Context": "CARTRAWLER",
            "@DateTime": utc_iso(now_utc(), millis=False),
        },
        "TPA_Extensions": {
            "FuelPolicy": {"@Type": rental.vendor.fuel_policy},
            "Duration": {"@Days": str(quote.days)},
        },
    }
    coverages = [_coverage(cover, quote.currency) for cover in offer.coverages]
    return {
        "VehAvailCore": compact(core),
        "VehAvailInfo": {"PricedCoverages": wrapped("PricedCoverage", coverages)},
    }


def _vehicle(offer: CarOffer) -> Json:
    rental = offer.rental
    vehicle = rental.vehicle
    return compact(
        {
            "@AirConditionInd": flag(vehicle.air_conditioning),
            "@TransmissionType": "Automatic" if vehicle.automatic else "Manual",
            "@FuelType": vehicle.fuel,
            "@DriveType": "Unspecified",
            "@PassengerQuantity": str(vehicle.seats),
            "@BaggageQuantity": str(vehicle.bags),
            "@Code": vehicle.acriss,
            "@CodeContext": "SIPP",
            "VehType": {
                "@VehicleCategory": str(vehicle.category),
                "@DoorCount": str(vehicle.doors),
            },
            "VehClass": {"@Size": str(vehicle.size)},
            "VehMakeModel": {"@Name": vehicle.vehicle_name, "@Code": vehicle.acriss},
            "PictureURL": rental.vendor.picture_url(vehicle.acriss, vehicle.model),
        }
    )


def _rental_rate(offer: CarOffer) -> Json:
    quote, rental = offer.quote, offer.rental
    currency = quote.currency
    charge = {
        "@Purpose": "1",
        "@Description": "Vehicle rental",
        "@Amount": _amount(quote.rate, currency),
        "@CurrencyCode": currency.code,
        "@TaxInclusive": "false",
        "@GuaranteedInd": "true",
        "@IncludedInRate": "false",
        "@IncludedInEstTotalInd": "true",
        "TaxAmounts": wrapped("TaxAmount", [_tax(quote)]),
        "Calculation": {
            "@UnitCharge": _amount(quote.daily, currency),
            "@UnitName": "Day",
            "@Quantity": str(quote.days),
        },
    }
    return {
        "RateDistance": _distance(offer.mileage),
        "VehicleCharges": wrapped("VehicleCharge", [charge]),
        "RateQualifier": {
            "@RateQualifier": RATE_QUALIFIERS[rental.plan],
            "@ArriveByFlight": "false",
        },
        "RateRestrictions": {
            "@CancellationPenaltyInd": flag(rental.plan == PREPAID),
            "@OneWayPolicy": "OneWayAllowed",
            "@MinimumAge": str(rental.vendor.min_age),
        },
    }


def _tax(quote: Quote) -> Json:
    return {
        "@Total": _amount(quote.tax, quote.currency),
        "@CurrencyCode": quote.currency.code,
        "@Percentage": f"{quote.tax_percent:f}",
        "@Description": "Tax",
    }


def _distance(mileage: Mileage) -> Json:
    if mileage.limit is None:
        return {
            "@Unlimited": "true",
            "@DistUnitName": mileage.unit,
            "@VehiclePeriodUnitName": "RentalPeriod",
        }
    return {
        "@Unlimited": "false",
        "@Quantity": str(mileage.limit),
        "@DistUnitName": mileage.unit,
        "@VehiclePeriodUnitName": "Day",
    }


def _fees(quote: Quote, plan: str) -> list[Json]:
    fees = [_charge_fee(charge) for charge in quote.fees]
    if plan == PREPAID:
        fees.append(_fee(CHARGED_AT_BOOKING, "Charged when booking", quote.total, quote.currency))
    else:
        fees.append(_fee(PAID_ON_ARRIVAL, "Payable on arrival", quote.total, quote.currency))
    return fees


def _charge_fee(charge: Charge) -> Json:
    fee = _fee(FEE, charge.description, charge.amount, charge.currency)
    fee["@IncludedInRate"] = "false"
    fee["@IncludedInEstTotalInd"] = flag(not charge.at_counter)
    return fee


def _fee(purpose: str, description: str, amount: Decimal, currency: Currency) -> Json:
    return {
        "@Purpose": purpose,
        "@Description": description,
        "@Amount": _amount(amount, currency),
        "@CurrencyCode": currency.code,
    }


def _coverage(cover: Coverage, currency: Currency) -> Json:
    if cover.included:
        charge = {
            "@Description": cover.description,
            "@IncludedInRate": "true",
            "@Amount": "0.00",
            "@CurrencyCode": currency.code,
            "@TaxInclusive": "true",
        }
        priced: Json = {"Coverage": {"@CoverageType": cover.type_code}, "Charge": charge}
        if cover.excess_eur is not None:
            excess = currency.from_eur(cover.excess_eur)
            priced["Deductible"] = {
                "@Amount": _amount(excess, currency),
                "@CurrencyCode": currency.code,
            }
        return priced
    daily = currency.from_eur(cover.eur_per_day or Decimal(0))
    return {
        "@Required": "false",
        "Coverage": {"@CoverageType": cover.type_code},
        "Charge": {
            "@Description": cover.description,
            "@IncludedInRate": "false",
            "@CurrencyCode": currency.code,
            "Calculation": {
                "@UnitCharge": _amount(daily, currency),
                "@UnitName": "Day",
                "@Quantity": "1",
            },
        },
    }


def _amount(amount: Decimal, currency: Currency) -> str:
    return format_amount(amount, currency)

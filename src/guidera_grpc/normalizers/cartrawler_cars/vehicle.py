"""The car itself: vendor, ACRISS class, what fits in it, what the rate includes.

Counts may come as "5", "5+" or "4-5". When transmission or air conditioning is not stated,
the ACRISS code says it (third letter A, B or D: automatic; fourth letter R, D, H, E, L, A, M,
V or U: air conditioned). A picture that is a bare file name rather than a URL is dropped.
Included covers (``PricedCoverage`` whose charge is ``@IncludedInRate``) become inclusions.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

from guidera.v1 import offer_pb2

from guidera_grpc.normalizers.cartrawler_cars.ota import attr, core_of, flag, ota_items, text_of
from guidera_grpc.normalizers.cartrawler_cars.places import Places
from guidera_grpc.normalizers.common import Json, field_map, format_local_time

_COVERAGE_NAMES: Final = {"7": "Collision damage waiver", "48": "Theft protection"}
_AUTOMATIC_ACRISS: Final = frozenset("ABD")
_AIR_CONDITIONED_ACRISS: Final = frozenset("RDHELAMVU")
_DIGITS: Final = re.compile(r"\d+")


def car_details(
    avail: Json, vendor: offer_pb2.Carrier, places: Places, times: tuple[dt.datetime, dt.datetime]
) -> offer_pb2.CarDetails:
    """``CarDetails`` of one ``VehAvail``."""
    core = core_of(avail)
    vehicle = field_map(core, "Vehicle")
    acriss = attr(vehicle, "Code").upper()
    distance = field_map(field_map(core, "RentalRate"), "RateDistance")
    details = offer_pb2.CarDetails(
        vendor=vendor,
        acriss_code=acriss,
        vehicle_name=attr(field_map(vehicle, "VehMakeModel"), "Name"),
        seats=_count(attr(vehicle, "PassengerQuantity")),
        doors=_count(attr(field_map(vehicle, "VehType"), "DoorCount"), largest=True),
        bags=_count(attr(vehicle, "BaggageQuantity")),
        automatic=_automatic(vehicle, acriss),
        air_conditioning=_air_conditioned(vehicle, acriss),
        pick_up_local_time=format_local_time(times[0]),
        drop_off_local_time=format_local_time(times[1]),
        unlimited_mileage=flag(distance, "Unlimited") is True,
        inclusions=_inclusions(avail),
        picture_url=_picture(vehicle),
    )
    details.pick_up.CopyFrom(places[0])
    details.drop_off.CopyFrom(places[1])
    return details


def _count(text: str, *, largest: bool = False) -> int:
    """A count from "5", "5+" or "4-5" (the larger when ``largest``, else the first)."""
    numbers = [int(digits) for digits in _DIGITS.findall(text)]
    if not numbers:
        return 0
    return max(numbers) if largest else numbers[0]


def _automatic(vehicle: Json, acriss: str) -> bool:
    transmission = attr(vehicle, "TransmissionType").casefold()
    if transmission:
        return transmission == "automatic"
    return len(acriss) == 4 and acriss[2] in _AUTOMATIC_ACRISS


def _air_conditioned(vehicle: Json, acriss: str) -> bool:
    stated = flag(vehicle, "AirConditionInd")
    if stated is not None:
        return stated
    return len(acriss) == 4 and acriss[3] in _AIR_CONDITIONED_ACRISS


def _picture(vehicle: Json) -> str:
    """The picture URL when it is one; CarTrawler sometimes sends a bare file name."""
    url = text_of(vehicle.get("PictureURL"))
    return url if url.startswith(("https://", "http://")) else ""


def _inclusions(avail: Json) -> list[str]:
    info = field_map(avail, "VehAvailInfo")
    covers = ota_items(info.get("PricedCoverages"), "PricedCoverage")
    return [_coverage_name(cover) for cover in covers if _included(cover)]


def _included(cover: Json) -> bool:
    return flag(field_map(cover, "Charge"), "IncludedInRate") is True


def _coverage_name(cover: Json) -> str:
    charge = field_map(cover, "Charge")
    kind = attr(field_map(cover, "Coverage"), "CoverageType")
    name = attr(charge, "Description") or _COVERAGE_NAMES.get(kind) or f"Coverage {kind}".strip()
    deductible = field_map(cover, "Deductible")
    excess = attr(deductible, "Amount") or attr(deductible, "ExcessAmount")
    currency = attr(deductible, "CurrencyCode") or attr(charge, "CurrencyCode")
    return f"{name} (excess {excess} {currency})" if excess and currency else name

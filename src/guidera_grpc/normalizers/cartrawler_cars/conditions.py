"""Refund status and the notes a traveler must read: payment, counter fees, fuel, mileage.

``RentalRate/RateRestrictions/@CancellationPenaltyInd`` false means free cancellation.
"""

from __future__ import annotations

import re
from typing import Final

from guidera.v1 import common_pb2

from guidera_grpc.normalizers.cartrawler_cars.charges import (
    CHARGED_AT_BOOKING,
    PAID_ON_ARRIVAL,
    Charges,
    currency_of,
)
from guidera_grpc.normalizers.cartrawler_cars.ota import attr, flag
from guidera_grpc.normalizers.common import Json, field_map

_WORDS: Final = re.compile(r"(?<=[a-z])(?=[A-Z])")


def conditions_of(core: Json, charges: Charges) -> common_pb2.Conditions:
    """The ``Conditions`` of a ``VehAvailCore``."""
    restrictions = field_map(field_map(core, "RentalRate"), "RateRestrictions")
    penalty = flag(restrictions, "CancellationPenaltyInd")
    refund = {
        None: common_pb2.CONDITION_STATUS_UNSPECIFIED,
        True: common_pb2.CONDITION_STATUS_ALLOWED_WITH_PENALTY,
        False: common_pb2.CONDITION_STATUS_ALLOWED,
    }[penalty]
    notes = [
        _payment_note(charges),
        _counter_note(charges),
        _fuel_note(core),
        _mileage_note(field_map(field_map(core, "RentalRate"), "RateDistance")),
    ]
    return common_pb2.Conditions(refund=refund, notes="; ".join(note for note in notes if note))


def _payment_note(charges: Charges) -> str:
    now, on_arrival = charges.split(CHARGED_AT_BOOKING), charges.split(PAID_ON_ARRIVAL)
    if not now and on_arrival:
        return "Pay at pick-up"
    return "Prepaid when booking" if now else ""


def _counter_note(charges: Charges) -> str:
    items = [
        f"{attr(fee, 'Description') or 'Fee'} {attr(fee, 'Amount')} "
        f"{currency_of(fee, charges.currency)}"
        for fee in charges.counter_fees()
    ]
    return f"At the counter: {', '.join(items)}" if items else ""


def _fuel_note(core: Json) -> str:
    policy = attr(field_map(field_map(core, "TPA_Extensions"), "FuelPolicy"), "Type")
    return f"Fuel policy: {_WORDS.sub(' ', policy).lower()}" if policy else ""


def _mileage_note(distance: Json) -> str:
    if flag(distance, "Unlimited") is not False:
        return ""
    quantity, unit = attr(distance, "Quantity"), attr(distance, "DistUnitName") or "km"
    unit = "miles" if unit.casefold() == "mile" else unit
    period = attr(distance, "VehiclePeriodUnitName").casefold()
    per = " a day" if period == "day" else ""
    return f"Mileage: {quantity} {unit}{per} included" if quantity else "Mileage limited"

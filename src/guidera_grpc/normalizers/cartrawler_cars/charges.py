"""The money of one car: total, base, taxes, fees, and what is paid at the counter.

``TotalCharge/@EstimatedTotalAmount`` is what the rental costs in all (rate, tax and the fees it
includes) and ``@RateTotalAmount`` the rate. Taxes are the ``TaxAmount``\\ s of the vehicle
charges; fees the ``Fee``\\ s included in the estimate, plus CarTrawler's booking fee
(``@Purpose`` 6) when it is not. A fee with ``@IncludedInEstTotalInd="false"`` is paid at the
counter, often in the country's own currency. ``@Purpose`` 22 and 23 (charged when booking,
paid on arrival) split the payment rather than add to it; without itemized counter fees, what
they add up to beyond the total is what the counter collects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from guidera.v1 import common_pb2

from guidera_grpc.normalizers.cartrawler_cars.ota import attr, flag, ota_items
from guidera_grpc.normalizers.common import Json, MissingFieldError, field_map
from guidera_grpc.normalizers.money import parse_amount, parse_currency, to_money

BOOKING_FEE: Final = "6"
CHARGED_AT_BOOKING: Final = "22"
PAID_ON_ARRIVAL: Final = "23"
_PAYMENT_SPLIT: Final = frozenset({CHARGED_AT_BOOKING, PAID_ON_ARRIVAL})


@dataclass(frozen=True, slots=True)
class Charges:
    """The money of one car: totals, taxes, fees, and how payment is split."""

    currency: str
    rate: Decimal | None
    estimated: Decimal | None
    taxes: Decimal | None
    fees: tuple[Json, ...]

    @classmethod
    def of(cls, core: Json) -> Charges:
        """The charges of a ``VehAvailCore``; a missing or bad currency raises."""
        total = field_map(core, "TotalCharge")
        rate_node = field_map(core, "RentalRate")
        currency = parse_currency(attr(total, "CurrencyCode"))
        charges = ota_items(rate_node.get("VehicleCharges"), "VehicleCharge")
        return cls(
            currency=currency,
            rate=_optional_amount(total, "RateTotalAmount"),
            estimated=_optional_amount(total, "EstimatedTotalAmount"),
            taxes=_taxes(charges, currency),
            fees=tuple(ota_items(core.get("Fees"), "Fee")),
        )

    def charges(self) -> list[Json]:
        """Fees that are charges (not the payment split), with an amount."""
        return [
            fee
            for fee in self.fees
            if attr(fee, "Purpose") not in _PAYMENT_SPLIT and attr(fee, "Amount")
        ]

    def included_fees(self) -> Decimal | None:
        """Fees inside the estimated total, booking fee aside; None when none are listed."""
        amounts = [
            self._amount(fee)
            for fee in self.charges()
            if attr(fee, "Purpose") != BOOKING_FEE
            and flag(fee, "IncludedInRate") is not True
            and flag(fee, "IncludedInEstTotalInd") is not False
        ]
        return sum(amounts, Decimal(0)) if amounts else None

    def booking_fees(self, *, outside_estimate: bool = False) -> Decimal:
        """CarTrawler's booking fees; only those not already in the estimate when asked."""
        return sum(
            (
                self._amount(fee)
                for fee in self.charges()
                if attr(fee, "Purpose") == BOOKING_FEE
                and not (outside_estimate and flag(fee, "IncludedInEstTotalInd") is True)
            ),
            Decimal(0),
        )

    def counter_fees(self) -> list[Json]:
        """Charges paid at the counter, outside the total."""
        return [
            fee
            for fee in self.charges()
            if flag(fee, "IncludedInEstTotalInd") is False and attr(fee, "Purpose") != BOOKING_FEE
        ]

    def _amount(self, fee: Json) -> Decimal:
        """A fee's amount when it is in the total's currency, else 0 (it cannot be added)."""
        if currency_of(fee, self.currency) != self.currency:
            return Decimal(0)
        return parse_amount(attr(fee, "Amount"))

    def split(self, purpose: str) -> Decimal | None:
        """The amount of a payment-split fee (22 or 23) in the total's currency, if given."""
        amounts = [
            parse_amount(attr(fee, "Amount"))
            for fee in self.fees
            if attr(fee, "Purpose") == purpose and currency_of(fee, self.currency) == self.currency
        ]
        return sum(amounts, Decimal(0)) if amounts else None

    def total(self) -> Decimal:
        """What the traveler pays for the rental, counter fees aside."""
        if self.estimated is not None:
            base = self.estimated
        elif self.rate is not None:
            base = self.rate + (self.taxes or 0) + (self.included_fees() or 0)
        else:
            raise MissingFieldError("TotalCharge/@EstimatedTotalAmount")
        return base + self.booking_fees(outside_estimate=True)

    def payable_on_site(self) -> common_pb2.Money | None:
        """Counter fees in the currency of the first; else what the payment split implies."""
        counter = self.counter_fees()
        if counter:
            currency = currency_of(counter[0], self.currency)
            amounts = [
                parse_amount(attr(f, "Amount"))
                for f in counter
                if currency_of(f, currency) == currency
            ]
            return to_money(sum(amounts, Decimal(0)), currency)
        split = [
            amount
            for amount in (self.split(CHARGED_AT_BOOKING), self.split(PAID_ON_ARRIVAL))
            if amount
        ]
        extra = sum(split, Decimal(0)) - self.total()
        return to_money(extra, self.currency) if split and extra > 0 else None

    def price(self) -> common_pb2.Price:
        """The ``Price``: total, base, taxes and fees where given, and the counter's part."""
        price = common_pb2.Price(total=to_money(self.total(), self.currency))
        included = self.included_fees()
        booking = self.booking_fees()
        fees = (included or Decimal(0)) + booking if included is not None or booking else None
        parts = (("base", self.rate), ("taxes", self.taxes), ("fees", fees))
        for name, amount in parts:
            if amount is not None:
                getattr(price, name).CopyFrom(to_money(amount, self.currency))
        on_site = self.payable_on_site()
        if on_site is not None:
            price.payable_on_site.CopyFrom(on_site)
        return price


def _optional_amount(node: Json, name: str) -> Decimal | None:
    text = attr(node, name)
    return parse_amount(text) if text else None


def currency_of(node: Json, default: str) -> str:
    """A node's ``@CurrencyCode``, or ``default`` when it has none."""
    code = attr(node, "CurrencyCode")
    return parse_currency(code) if code else default


def _taxes(charges: Iterable[Json], currency: str) -> Decimal | None:
    amounts = [
        parse_amount(attr(tax, "Total"))
        for charge in charges
        if flag(charge, "IncludedInEstTotalInd") is not False
        for tax in ota_items(charge.get("TaxAmounts"), "TaxAmount")
        if attr(tax, "Total") and currency_of(tax, currency) == currency
    ]
    return sum(amounts, Decimal(0)) if amounts else None

"""Currency conversion for ranking: prices from different suppliers compared in one currency."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

from guidera.v1 import common_pb2

_NANO = Decimal("1e-9")


def money_to_decimal(money: common_pb2.Money) -> Decimal:
    """The exact decimal amount of a Money."""
    return Decimal(money.units) + Decimal(money.nanos) * _NANO


def decimal_to_money(amount: Decimal, currency: str) -> common_pb2.Money:
    """A Money for ``amount``, rounded to the nano; nanos carry the sign of units."""
    quantized = amount.quantize(_NANO, rounding=ROUND_HALF_EVEN)
    units = int(quantized)
    nanos = int((quantized - units) / _NANO)
    return common_pb2.Money(currency_code=currency, units=units, nanos=nanos)


class FxTable:
    """Rates as euros per one unit of each currency, as the store keeps them."""

    def __init__(self, eur_per_unit: Mapping[str, Decimal]) -> None:
        self._eur_per_unit = {code.upper(): rate for code, rate in eur_per_unit.items()}
        self._eur_per_unit["EUR"] = Decimal(1)

    def convert(self, money: common_pb2.Money, to: str) -> common_pb2.Money | None:
        """``money`` in currency ``to``, to the cent; None when either rate is unknown."""
        source_code, target_code = money.currency_code.upper(), to.upper()
        if source_code == target_code:
            return common_pb2.Money(currency_code=target_code, units=money.units, nanos=money.nanos)
        source = self._eur_per_unit.get(source_code)
        target = self._eur_per_unit.get(target_code)
        if source is None or target is None:
            return None
        amount = money_to_decimal(money) * source / target
        return decimal_to_money(amount.quantize(Decimal("0.01")), target_code)

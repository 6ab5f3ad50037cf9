"""Currency conversion for ranking: prices from different suppliers compared in one currency."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from guidera.v1 import common_pb2

from guidera_grpc.normalizers.money import to_decimal, to_money


class FxTable:
    """Rates as euros per one unit of each currency, as the store keeps them."""

    def __init__(self, eur_per_unit: Mapping[str, Decimal]) -> None:
        self._eur_per_unit = {code.upper(): rate for code, rate in eur_per_unit.items()}
        self._eur_per_unit["EUR"] = Decimal(1)

    def knows(self, currency: str) -> bool:
        """Whether prices can be converted to and from ``currency``."""
        return currency.upper() in self._eur_per_unit

    def currencies(self) -> list[str]:
        """Every currency with a rate."""
        return sorted(self._eur_per_unit)

    def convert(self, money: common_pb2.Money, to: str) -> common_pb2.Money | None:
        """``money`` in currency ``to``, to the cent; None when either rate is unknown."""
        source_code, target_code = money.currency_code.upper(), to.upper()
        if source_code == target_code:
            return common_pb2.Money(currency_code=target_code, units=money.units, nanos=money.nanos)
        source = self._eur_per_unit.get(source_code)
        target = self._eur_per_unit.get(target_code)
        if source is None or target is None:
            return None
        amount = to_decimal(money) * source / target
        return to_money(amount.quantize(Decimal("0.01")), target_code)

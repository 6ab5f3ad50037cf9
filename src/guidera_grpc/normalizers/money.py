"""Exact money: supplier amounts to ``Money`` (units and nanos) and back, without floats.

Suppliers send amounts as decimal strings (Amadeus, Duffel) or as JSON numbers (Kiwi). A float
is read through its shortest ``repr`` so that 0.1 stays 0.1 and does not pick up binary noise.
Every amount is held as a :class:`~decimal.Decimal` while computed on, and rounded half-even to
nine decimals (the nano) only when stored in a ``Money``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from guidera.v1 import common_pb2

NANO = Decimal("0.000000001")
_NANOS_PER_UNIT = 1_000_000_000


class MoneyError(ValueError):
    """An amount or a currency that cannot be read, or two currencies that do not mix."""


def parse_amount(value: object) -> Decimal:
    """Read an amount from a decimal string, an int, a float or a Decimal.

    Booleans, empty strings, NaN and infinities are refused: none of them is an amount.
    """
    if isinstance(value, bool):
        raise MoneyError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = _decimal_from_text(repr(value))
    elif isinstance(value, str):
        amount = _decimal_from_text(value.strip())
    else:
        raise MoneyError(f"not an amount: {type(value).__name__}")

    if not amount.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return amount


def parse_currency(value: object) -> str:
    """Read an ISO 4217 code: three letters, upper-cased."""
    if not isinstance(value, str):
        raise MoneyError(f"not a currency code: {type(value).__name__}")
    code = value.strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise MoneyError(f"not a currency code: {value!r}")
    return code


def to_money(amount: Decimal, currency: str) -> common_pb2.Money:
    """A ``Money`` of ``amount``, rounded half-even to the nano; units and nanos share a sign."""
    try:
        nanos_total = int(amount.quantize(NANO, rounding=ROUND_HALF_EVEN).scaleb(9))
    except InvalidOperation:
        raise MoneyError(f"amount out of range: {amount}") from None
    sign = -1 if nanos_total < 0 else 1
    units, nanos = divmod(abs(nanos_total), _NANOS_PER_UNIT)
    return common_pb2.Money(
        currency_code=parse_currency(currency), units=sign * units, nanos=sign * nanos
    )


def parse_money(value: object, currency: object) -> common_pb2.Money:
    """A ``Money`` read straight from a supplier's amount and currency fields."""
    return to_money(parse_amount(value), parse_currency(currency))


def to_decimal(money: common_pb2.Money) -> Decimal:
    """The exact amount a ``Money`` holds."""
    return Decimal(money.units) + Decimal(money.nanos).scaleb(-9)


def add_money(*amounts: common_pb2.Money) -> common_pb2.Money:
    """The sum of one or more ``Money`` of one currency."""
    if not amounts:
        raise MoneyError("nothing to add")
    currency = _common_currency(amounts)
    return to_money(sum((to_decimal(m) for m in amounts), Decimal(0)), currency)


def subtract_money(minuend: common_pb2.Money, subtrahend: common_pb2.Money) -> common_pb2.Money:
    """``minuend − subtrahend``, both of one currency."""
    currency = _common_currency((minuend, subtrahend))
    return to_money(to_decimal(minuend) - to_decimal(subtrahend), currency)


def compare_money(left: common_pb2.Money, right: common_pb2.Money) -> int:
    """-1, 0 or 1 as ``left`` is less than, equal to or more than ``right`` (one currency)."""
    _common_currency((left, right))
    difference = to_decimal(left) - to_decimal(right)
    return (difference > 0) - (difference < 0)


def format_money(money: common_pb2.Money) -> str:
    """``"12.50 EUR"``: for logs and messages, never for arithmetic."""
    return f"{to_decimal(money).normalize():f} {money.currency_code}"


def _decimal_from_text(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise MoneyError(f"not an amount: {text!r}") from None


def _common_currency(amounts: tuple[common_pb2.Money, ...]) -> str:
    currencies = {m.currency_code for m in amounts}
    if len(currencies) != 1:
        raise MoneyError(f"currencies do not mix: {', '.join(sorted(currencies))}")
    return currencies.pop()

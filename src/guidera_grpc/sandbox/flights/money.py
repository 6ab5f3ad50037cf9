"""Currencies the emulated suppliers sell in, with fixed exchange rates from the euro.

Inventory prices are computed in euros and converted at the edge, amount by amount, so every
supplier's totals add up exactly in the currency it answers in.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency: its name, units per euro and minor-unit digits."""

    code: str
    name: str
    per_eur: Decimal
    digits: int = 2

    def from_eur(self, amount_eur: Decimal) -> Decimal:
        """``amount_eur`` in this currency, rounded to its minor unit."""
        return (amount_eur * self.per_eur).quantize(self.quantum, rounding=ROUND_HALF_UP)

    @property
    def quantum(self) -> Decimal:
        """The smallest amount of this currency (0.01, or 1 for yen)."""
        return Decimal(1).scaleb(-self.digits)


_TABLE = (
    Currency("EUR", "Euro", Decimal("1")),
    Currency("USD", "US Dollar", Decimal("1.08")),
    Currency("GBP", "Pound Sterling", Decimal("0.85")),
    Currency("CHF", "Swiss Franc", Decimal("0.95")),
    Currency("CAD", "Canadian Dollar", Decimal("1.47")),
    Currency("AUD", "Australian Dollar", Decimal("1.65")),
    Currency("NZD", "New Zealand Dollar", Decimal("1.80")),
    Currency("JPY", "Yen", Decimal("162"), 0),
    Currency("KRW", "Won", Decimal("1450"), 0),
    Currency("CNY", "Yuan Renminbi", Decimal("7.80")),
    Currency("HKD", "Hong Kong Dollar", Decimal("8.45")),
    Currency("SGD", "Singapore Dollar", Decimal("1.45")),
    Currency("INR", "Indian Rupee", Decimal("90.5")),
    Currency("THB", "Baht", Decimal("38.5")),
    Currency("AED", "UAE Dirham", Decimal("3.97")),
    Currency("SEK", "Swedish Krona", Decimal("11.4")),
    Currency("NOK", "Norwegian Krone", Decimal("11.6")),
    Currency("DKK", "Danish Krone", Decimal("7.46")),
    Currency("PLN", "Zloty", Decimal("4.30")),
    Currency("CZK", "Czech Koruna", Decimal("25.2")),
    Currency("HUF", "Forint", Decimal("395")),
    Currency("TRY", "Turkish Lira", Decimal("36.0")),
    Currency("BRL", "Brazilian Real", Decimal("5.90")),
    Currency("MXN", "Mexican Peso", Decimal("19.8")),
    Currency("ZAR", "Rand", Decimal("19.9")),
)
CURRENCIES: dict[str, Currency] = {currency.code: currency for currency in _TABLE}
EUR = CURRENCIES["EUR"]


def currency(code: str) -> Currency | None:
    """The currency with this ISO code (any case), or None when no supplier here sells in it."""
    return CURRENCIES.get(code.strip().upper())


def format_amount(amount: Decimal, in_currency: Currency) -> str:
    """The amount as a plain decimal string with the currency's minor digits ("412.50")."""
    return f"{amount.quantize(in_currency.quantum):f}"


_EUROZONE_CODES = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK"
_EUROZONE = frozenset(_EUROZONE_CODES.split())
_LOCAL = {
    "US": "USD",
    "GB": "GBP",
    "CH": "CHF",
    "CA": "CAD",
    "AU": "AUD",
    "NZ": "NZD",
    "JP": "JPY",
    "KR": "KRW",
    "CN": "CNY",
    "HK": "HKD",
    "SG": "SGD",
    "IN": "INR",
    "TH": "THB",
    "AE": "AED",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "PL": "PLN",
    "CZ": "CZK",
    "HU": "HUF",
    "TR": "TRY",
    "BR": "BRL",
    "MX": "MXN",
    "ZA": "ZAR",
}


def local_currency(country: str) -> Currency | None:
    """The currency of a country, when it is one of those here."""
    if country in _EUROZONE:
        return EUR
    code = _LOCAL.get(country)
    return CURRENCIES[code] if code else None

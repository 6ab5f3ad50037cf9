"""Per-supplier knobs of the sandbox: latency, faults, sizes; their flag syntax; live changes.

Every fault is a rate from 0 to 1: 500s, 429s, hangs, and the ways an answer can go wrong on
the wire (a body in no known format, a body cut short, a body sent drop by drop, a connection
dropped with no answer).

Flags name a supplier (or ``all``) and a value, e.g. ``duffel=1500ms``, ``kiwi=200-800ms``,
``amadeus=0.1``, ``kiwi=25%``. The same fields change at run time through the control endpoint
as JSON. Bad input raises ValueError with a message fit for a command line.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

_T = TypeVar("_T")

SUPPLIERS: tuple[str, ...] = (
    "amadeus",
    "duffel",
    "kiwi",
    "expedia",
    "hotelbeds",
    "getyourguide",
    "viator",
    "cartrawler",
)
EVERY_SUPPLIER = "all"
MAX_LATENCY_MS = 600_000
MAX_OFFERS = 1000

_LATENCY = re.compile(
    r"^\s*(?P<low>\d+(?:\.\d+)?)\s*(?P<low_unit>ms|s)?"
    r"(?:\s*-\s*(?P<high>\d+(?:\.\d+)?)\s*(?P<high_unit>ms|s)?)?\s*$"
)


@dataclass(frozen=True, slots=True)
class Latency:
    """How long a supplier takes to answer: fixed, or uniform between two bounds."""

    low_ms: int = 0
    high_ms: int = 0

    @classmethod
    def parse(cls, text: str) -> Latency:
        """``1500ms``, ``1.5s``, ``200-800ms``, ``0.2-0.8s`` or a bare number of milliseconds."""
        match = _LATENCY.match(text)
        if match is None:
            raise ValueError(f"bad latency {text!r}: use e.g. 1500ms, 1.5s or 200-800ms")
        unit = match["high_unit"] or match["low_unit"] or "ms"
        low = _to_ms(match["low"], match["low_unit"] or unit)
        high = _to_ms(match["high"], unit) if match["high"] else low
        return cls.between(low, high)

    @classmethod
    def between(cls, low_ms: float, high_ms: float) -> Latency:
        """A latency range in milliseconds, checked."""
        low, high = round(low_ms), round(high_ms)
        if low < 0 or high < low:
            raise ValueError(f"bad latency range {low}-{high}ms: need 0 <= low <= high")
        if high > MAX_LATENCY_MS:
            raise ValueError(f"latency {high}ms is above the {MAX_LATENCY_MS}ms limit")
        return cls(low, high)

    def sample_s(self, rng: random.Random) -> float:
        """One latency in seconds."""
        if self.high_ms == self.low_ms:
            return self.low_ms / 1000
        return rng.uniform(self.low_ms, self.high_ms) / 1000

    def __str__(self) -> str:
        if self.low_ms == self.high_ms:
            return f"{self.low_ms}ms"
        return f"{self.low_ms}-{self.high_ms}ms"


def _to_ms(number: str, unit: str) -> float:
    return float(number) * (1000 if unit == "s" else 1)


@dataclass(frozen=True, slots=True)
class SupplierKnobs:
    """The knobs of one supplier."""

    latency: Latency = Latency()
    error_rate: float = 0.0
    rate_429: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    truncate_rate: float = 0.0
    drip_rate: float = 0.0
    reset_rate: float = 0.0
    offers: int = 30
    retry_after_s: int = 1
    token_ttl_s: int = 1799
    price_change_rate: float = 0.0
    """Share of re-pricings that find a higher price than the search (kept from then on)."""
    sold_out_rate: float = 0.0
    """Share of re-pricings that find the offer sold out (kept from then on)."""
    fail_after_book_rate: float = 0.0
    """Share of bookings recorded whose answer is lost (a 500 or a dropped connection)."""
    book_latency: Latency = Latency()
    """Extra wait after a booking is recorded, before it is confirmed to the client."""

    def changed(self, changes: Mapping[str, object]) -> SupplierKnobs:
        """A copy with ``changes`` applied, each value checked; unknown names raise.

        ``latency_ms`` is accepted as another name for ``latency``.
        """
        unknown = sorted(set(changes) - KNOB_NAMES)
        if unknown:
            known = ", ".join(sorted(KNOB_NAMES))
            raise ValueError(f"unknown knob {unknown[0]!r}; known knobs: {known}")
        get = changes.get
        latency = get("latency") if "latency" in changes else get("latency_ms")
        return SupplierKnobs(
            latency=self.latency if latency is None else _parse_latency(latency),
            error_rate=_or(get("error_rate"), _parse_rate, self.error_rate),
            rate_429=_or(get("rate_429"), _parse_rate, self.rate_429),
            timeout_rate=_or(get("timeout_rate"), _parse_rate, self.timeout_rate),
            malformed_rate=_or(get("malformed_rate"), _parse_rate, self.malformed_rate),
            truncate_rate=_or(get("truncate_rate"), _parse_rate, self.truncate_rate),
            drip_rate=_or(get("drip_rate"), _parse_rate, self.drip_rate),
            reset_rate=_or(get("reset_rate"), _parse_rate, self.reset_rate),
            offers=_or(get("offers"), _parse_offers, self.offers),
            retry_after_s=_or(get("retry_after_s"), _parse_retry_after, self.retry_after_s),
            token_ttl_s=_or(get("token_ttl_s"), _parse_token_ttl, self.token_ttl_s),
            price_change_rate=_or(get("price_change_rate"), _parse_rate, self.price_change_rate),
            sold_out_rate=_or(get("sold_out_rate"), _parse_rate, self.sold_out_rate),
            fail_after_book_rate=_or(
                get("fail_after_book_rate"), _parse_rate, self.fail_after_book_rate
            ),
            book_latency=_or(get("book_latency"), _parse_latency, self.book_latency),
        )

    def to_json(self) -> dict[str, object]:
        """The knobs as the control endpoint shows them."""
        return {
            "latency": str(self.latency),
            "latency_ms": {"min": self.latency.low_ms, "max": self.latency.high_ms},
            "error_rate": self.error_rate,
            "rate_429": self.rate_429,
            "timeout_rate": self.timeout_rate,
            "malformed_rate": self.malformed_rate,
            "truncate_rate": self.truncate_rate,
            "drip_rate": self.drip_rate,
            "reset_rate": self.reset_rate,
            "offers": self.offers,
            "retry_after_s": self.retry_after_s,
            "token_ttl_s": self.token_ttl_s,
            "price_change_rate": self.price_change_rate,
            "sold_out_rate": self.sold_out_rate,
            "fail_after_book_rate": self.fail_after_book_rate,
            "book_latency": str(self.book_latency),
        }


def _parse_latency(value: object) -> Latency:
    if isinstance(value, str):
        return Latency.parse(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Latency.between(value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        low, high = value
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
            return Latency.between(float(low), float(high))
    raise ValueError(f'bad latency {value!r}: use e.g. "1500ms", "200-800ms" or [200, 800]')


def _parse_rate(value: object) -> float:
    if isinstance(value, str):
        text = value.strip()
        try:
            rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise ValueError(
                f"bad rate {value!r}: use a number from 0 to 1, or 0% to 100%"
            ) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        rate = float(value)
    else:
        raise ValueError(f"bad rate {value!r}: use a number from 0 to 1")
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate {value!r} is outside 0..1")
    return rate


def _int_parser(name: str, low: int, high: int) -> Callable[[object], int]:
    def parse(value: object) -> int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            raise ValueError(f"bad {name} {value!r}: use a whole number")
        if not low <= number <= high:
            raise ValueError(f"{name} {number} is outside {low}..{high}")
        return number

    return parse


_parse_offers = _int_parser("offers", 0, MAX_OFFERS)
_parse_retry_after = _int_parser("retry_after_s", 0, 3600)
_parse_token_ttl = _int_parser("token_ttl_s", 1, 86_400)

KNOB_NAMES = frozenset(
    {
        "latency",
        "latency_ms",
        "error_rate",
        "rate_429",
        "timeout_rate",
        "malformed_rate",
        "truncate_rate",
        "drip_rate",
        "reset_rate",
        "offers",
        "retry_after_s",
        "token_ttl_s",
        "price_change_rate",
        "sold_out_rate",
        "fail_after_book_rate",
        "book_latency",
    }
)


def _or(value: object | None, parse: Callable[[object], _T], current: _T) -> _T:
    return current if value is None else parse(value)


@dataclass(frozen=True, slots=True)
class Knobs:
    """The knobs of every supplier; suppliers not named keep the defaults."""

    suppliers: Mapping[str, SupplierKnobs] = field(default_factory=dict)

    def __getitem__(self, supplier: str) -> SupplierKnobs:
        return self.suppliers.get(supplier, _DEFAULT)

    def with_changes(self, supplier: str, changes: Mapping[str, object]) -> Knobs:
        """A copy where ``supplier`` (or every supplier for ``all``) has ``changes`` applied."""
        targets = SUPPLIERS if supplier == EVERY_SUPPLIER else (_known(supplier),)
        updated = dict(self.suppliers)
        for code in targets:
            updated[code] = self[code].changed(changes)
        return Knobs(updated)

    def to_json(self) -> dict[str, object]:
        """Every supplier's knobs, as the control endpoint shows them."""
        return {code: self[code].to_json() for code in SUPPLIERS}


_DEFAULT = SupplierKnobs()

#: Latencies around each supplier's average in the provider registry (Duffel 600 ms, Amadeus
#: 800 ms, Kiwi.com 1200 ms ...); the flight suppliers' ranges do not overlap, so the order
#: of their answers is stable.
#: `guidera serve --sandbox` and `guidera sandbox` start from these; tests start from zero.
REALISTIC = Knobs(
    {
        "duffel": SupplierKnobs(latency=Latency(450, 650)),
        "amadeus": SupplierKnobs(latency=Latency(700, 900)),
        "kiwi": SupplierKnobs(latency=Latency(1000, 1400)),
        "cartrawler": SupplierKnobs(latency=Latency(750, 1050)),
        "expedia": SupplierKnobs(latency=Latency(400, 600)),
        "hotelbeds": SupplierKnobs(latency=Latency(600, 800)),
        "getyourguide": SupplierKnobs(latency=Latency(300, 500)),
        "viator": SupplierKnobs(latency=Latency(700, 900)),
    }
)


def _known(supplier: str) -> str:
    if supplier not in SUPPLIERS:
        choices = ", ".join((*SUPPLIERS, EVERY_SUPPLIER))
        raise ValueError(f"unknown supplier {supplier!r}; choose one of: {choices}")
    return supplier


def parse_knob_flags(
    *,
    latency: Iterable[str] = (),
    error_rate: Iterable[str] = (),
    rate_429: Iterable[str] = (),
    timeout_rate: Iterable[str] = (),
    malformed_rate: Iterable[str] = (),
    truncate_rate: Iterable[str] = (),
    drip_rate: Iterable[str] = (),
    reset_rate: Iterable[str] = (),
    offers: Iterable[str] = (),
    base: Knobs | None = None,
) -> Knobs:
    """Knobs from repeatable ``SUPPLIER=VALUE`` command-line flags, applied in order.

    ``parse_knob_flags(latency=["duffel=1500ms"], rate_429=["all=0.1"])``. Raises ValueError
    naming the flag and the problem (unknown supplier, missing ``=``, bad number).
    """
    knobs = base or Knobs()
    flags = {
        "latency": latency,
        "error_rate": error_rate,
        "rate_429": rate_429,
        "timeout_rate": timeout_rate,
        "malformed_rate": malformed_rate,
        "truncate_rate": truncate_rate,
        "drip_rate": drip_rate,
        "reset_rate": reset_rate,
        "offers": offers,
    }
    for name, values in flags.items():
        for flag in values:
            supplier, separator, value = flag.partition("=")
            if not separator or not supplier.strip() or not value.strip():
                raise ValueError(f"--{name.replace('_', '-')} {flag!r}: expected SUPPLIER=VALUE")
            try:
                knobs = knobs.with_changes(supplier.strip().lower(), {name: value.strip()})
            except ValueError as error:
                raise ValueError(f"--{name.replace('_', '-')} {flag!r}: {error}") from None
    return knobs


class KnobBoard:
    """The knobs in force, changeable while the sandbox runs and resettable to the start."""

    def __init__(self, initial: Knobs) -> None:
        self._initial = initial
        self._current = initial

    @property
    def current(self) -> Knobs:
        """The knobs in force now."""
        return self._current

    def __getitem__(self, supplier: str) -> SupplierKnobs:
        return self._current[supplier]

    def update(self, supplier: str, changes: Mapping[str, object]) -> SupplierKnobs:
        """Apply ``changes`` to one supplier (or ``all``); returns that supplier's new knobs."""
        self._current = self._current.with_changes(supplier, changes)
        return self._current[SUPPLIERS[0] if supplier == EVERY_SUPPLIER else supplier]

    def reset(self) -> None:
        """Back to the knobs the sandbox started with."""
        self._current = self._initial

"""Summaries of requests and responses that are safe to keep: no secrets, no traveler data.

Keys that name a credential or a person's details are replaced by ``"[redacted]"``, and so are
string values that look like an e-mail address, a bearer token or a card number (Luhn-valid),
whatever their key. By default only flat scalar fields are kept (a summary); with payload
logging switched on nested objects are kept too, still redacted, within fixed limits of depth,
width and length.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

REDACTED = "[redacted]"
MAX_STRING = 200
MAX_KEYS = 40
MAX_ITEMS = 20
MAX_DEPTH = 4

_SECRET_KEY = re.compile(
    r"pass(word)?|secret|token|api[_-]?key|apikey|authori[sz]ation|auth|signature|cookie"
    r"|credential|session[_-]?key|private",
    re.IGNORECASE,
)
_PERSONAL_KEY = re.compile(
    r"traveler|traveller|passenger|guest|holder|contact|customer|first[_-]?name|last[_-]?name"
    r"|given[_-]?name|family[_-]?name|full[_-]?name|surname|e-?mail|phone|birth|passport"
    r"|document|card|iban|address[_-]?line|street|postal|zip",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_BEARER = re.compile(r"^(bearer|basic)\s", re.IGNORECASE)
_CARD = re.compile(r"(?:\d[ -]?){13,19}")


def sanitize(summary: Mapping[str, object], *, keep_payloads: bool = False) -> dict[str, object]:
    """A copy of ``summary`` fit for the call log."""
    return _mapping(summary, depth=1, nested=keep_payloads)


def _mapping(value: Mapping[str, object], *, depth: int, nested: bool) -> dict[str, object]:
    kept: dict[str, object] = {}
    for key, item in list(value.items())[:MAX_KEYS]:
        name = str(key)[:MAX_STRING]
        if _SECRET_KEY.search(name) or _PERSONAL_KEY.search(name):
            kept[name] = REDACTED
            continue
        clean = _value(item, depth=depth, nested=nested)
        if clean is not _DROP:
            kept[name] = clean
    return kept


_DROP = object()


def _value(item: object, *, depth: int, nested: bool) -> object:
    if item is None or isinstance(item, bool | int | float):
        return item
    if isinstance(item, str):
        return _string(item)
    if not nested or depth >= MAX_DEPTH:
        return _DROP
    if isinstance(item, Mapping):
        return _mapping(item, depth=depth + 1, nested=nested)
    if isinstance(item, list | tuple):
        values = [_value(v, depth=depth + 1, nested=nested) for v in item[:MAX_ITEMS]]
        return [v for v in values if v is not _DROP]
    return _string(str(item))


def _string(text: str) -> str:
    if _EMAIL.search(text) or _BEARER.match(text) or _has_card_number(text):
        return REDACTED
    return text[:MAX_STRING]


def _has_card_number(text: str) -> bool:
    """Whether ``text`` holds a run of 13 to 19 digits that passes the Luhn check."""
    for match in _CARD.finditer(text):
        digits = [int(c) for c in match.group() if c.isdigit()]
        if _luhn_valid(digits):
            return True
    return False


def _luhn_valid(digits: list[int]) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0

"""Validation of booking requests: travelers, payment token, and no card numbers anywhere.

Every field is checked and every bad one named, as for searches. A value that looks like a
payment card number (13 to 19 digits passing the Luhn check) is refused in any field, and
the message never repeats it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence

from google.protobuf.message import Message
from guidera.v1 import booking_service_pb2

from guidera_grpc.validation.common import Violations, check_text, parse_date

MAX_TRAVELERS = 9
MAX_KEY = 200
_NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*$")
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_TOKEN = re.compile(r"^(tok|pm)_[A-Za-z0-9_-]{4,100}$")
_DOC_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
#: Digits, each followed by at most two separators: how card numbers get written down.
_DIGIT_RUN = re.compile(r"(?:\d[ ._/\-]{0,2}){13,}")
#: A random or time-based UUID standing alone, hyphenated or as 32 hex digits, with its
#: version (1 to 8) and RFC variant (8, 9, a, b) in place: how clients make idempotency keys.
#: A card number can only straddle its groups, and those fixed digits keep digit runs that
#: merely look like one out of the exemption.
_OPAQUE_ID = re.compile(
    r"(?<![0-9a-z])(?:"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    r"|[0-9a-f]{12}[1-8][0-9a-f]{3}[89ab][0-9a-f]{15}"
    r")(?![0-9a-z])",
    re.IGNORECASE,
)
DOCUMENT_TYPES = frozenset({"PASSPORT", "ID_CARD"})


def looks_like_card(text: str, *, shortest: int = 13) -> bool:
    """Whether ``text`` holds a card-like number: 13 to 19 digits (separators allowed) with a
    card network's first digit (2 to 6) passing the Luhn check, alone or at either end of a
    longer run of digits. ``shortest`` raises the bar for fields such as phone numbers,
    whose 15 digits at most are never a card."""
    for run in _DIGIT_RUN.findall(text):
        digits = [int(c) for c in run if c.isdigit()]
        for length in range(shortest, min(len(digits), 19) + 1):
            for candidate in (digits[:length], digits[len(digits) - length :]):
                if 2 <= candidate[0] <= 6 and _luhn(candidate):
                    return True
    return False


def _luhn(digits: Sequence[int]) -> bool:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def string_fields(message: Message, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a message, with its field path."""
    for field, value in message.ListFields():
        path = f"{prefix}{field.name}"
        repeated = field.is_repeated
        items = list(value) if repeated else [value]
        for index, item in enumerate(items):
            where = f"{path}[{index}]" if repeated else path
            if field.type == field.TYPE_STRING:
                yield where, item
            elif field.type == field.TYPE_MESSAGE:
                yield from string_fields(item, f"{where}.")


def refuse_card_numbers(message: Message, errors: Violations) -> None:
    """A violation for every field that carries what looks like a card number (the offer id
    is ours, made of hex digits, and is looked up rather than stored)."""
    for path, value in string_fields(message):
        if path == "offer_id":
            continue
        if path == "idempotency_key":
            # Keys are often UUIDs, whose digits across groups pass for a card about once in
            # 270; a UUID is no card, so only what lies around one is checked.
            value = _OPAQUE_ID.sub("~", value)
        if looks_like_card(value, shortest=16 if path.endswith(".phone") else 13):
            errors.add(path, "looks like a payment card number; send a payment token instead")


def check_key(key: str, errors: Violations) -> None:
    """The idempotency key: required, printable, at most MAX_KEY characters."""
    if not key:
        errors.add("idempotency_key", "is required: the same key never books twice")
    else:
        check_text(key, "idempotency_key", MAX_KEY, errors)


def check_payment_token(token: str, errors: Violations) -> None:
    """A payment provider's token such as ``tok_...``, never card data."""
    if not _TOKEN.match(token) and not looks_like_card(token):
        errors.add("payment_token", "is required: a payment token such as tok_...")


def check_travelers(
    travelers: Sequence[booking_service_pb2.Traveler], *, needs_birth_date: bool, errors: Violations
) -> None:
    """Names, birth dates, contact of the first traveler, documents when given."""
    if not travelers:
        errors.add("travelers", "at least one traveler is required")
    if len(travelers) > MAX_TRAVELERS:
        errors.add("travelers", f"at most {MAX_TRAVELERS} travelers")
    for index, traveler in enumerate(travelers[:MAX_TRAVELERS]):
        path = f"travelers[{index}]"
        _check_name(traveler.given_name, f"{path}.given_name", errors)
        _check_name(traveler.family_name, f"{path}.family_name", errors)
        if traveler.birth_date or needs_birth_date:
            _check_birth_date(traveler.birth_date, f"{path}.birth_date", errors)
        if traveler.gender not in ("", "m", "f"):
            errors.add(f"{path}.gender", "is m or f when given")
        if (index == 0 or traveler.email) and not _EMAIL.match(traveler.email):
            errors.add(f"{path}.email", "is not an e-mail address")
        if traveler.phone and not _PHONE.match(traveler.phone):
            errors.add(f"{path}.phone", "is not a phone number in E.164 form (+33612345678)")
        for number, document in enumerate(traveler.documents):
            _check_document(document, f"{path}.documents[{number}]", errors)


def _check_name(name: str, field: str, errors: Violations) -> None:
    if not name:
        errors.add(field, "is required")
    elif len(name) > 60 or not _NAME.match(name):
        errors.add(field, "must be letters, spaces, hyphens or apostrophes, at most 60")


def _check_birth_date(value: str, field: str, errors: Violations) -> None:
    born = parse_date(value, field, errors)
    today = dt.date.today()
    if born and not today.replace(year=today.year - 120) < born <= today:
        errors.add(field, "is not a plausible birth date")


def _check_document(
    document: booking_service_pb2.TravelDocument, field: str, errors: Violations
) -> None:
    if document.type not in DOCUMENT_TYPES:
        errors.add(f"{field}.type", f"is one of {', '.join(sorted(DOCUMENT_TYPES))}")
    if not _DOC_NUMBER.match(document.number):
        errors.add(f"{field}.number", "is 5 to 20 capital letters and digits")
    expiry = parse_date(document.expiry_date, f"{field}.expiry_date", errors)
    if expiry and expiry <= dt.date.today():
        errors.add(f"{field}.expiry_date", "has passed")
    for name in ("issuing_country_code", "nationality_country_code"):
        if not _COUNTRY.match(getattr(document, name)):
            errors.add(f"{field}.{name}", "is an ISO 3166-1 alpha-2 code such as FR")

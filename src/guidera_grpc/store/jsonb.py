"""One JSON encoding for everything the store writes.

The jsonb codec and the hash of search parameters must agree byte for byte, so both come from
here: orjson with sorted keys, decimals as strings (no precision lost to floats).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def canonical_json(value: Any) -> bytes:
    """Encode ``value`` as compact JSON with sorted keys."""
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def encode(value: Any) -> str:
    """The text form the json and jsonb codecs send to PostgreSQL."""
    return canonical_json(value).decode()


def decode(text: str | bytes) -> Any:
    """Parse JSON as PostgreSQL returns it."""
    return orjson.loads(text)


def digest(value: Any) -> str:
    """SHA-256 (hex) of the canonical encoding of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()

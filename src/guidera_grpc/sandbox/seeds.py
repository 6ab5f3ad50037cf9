"""Stable pseudo-randomness: the same inputs give the same numbers in every process.

Python's ``hash()`` of a string changes between runs, so inventory and knob rolls derive their
seeds from a BLAKE2 digest of the parts instead.
"""

from __future__ import annotations

import hashlib
import random


def stable_int(*parts: object) -> int:
    """A 64-bit integer determined only by ``parts`` (by their ``str()``)."""
    text = "\x1f".join(map(str, parts))
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def stable_unit(*parts: object) -> float:
    """A number in [0, 1) determined only by ``parts``."""
    return stable_int(*parts) / 2.0**64


def stable_rng(*parts: object) -> random.Random:
    """A random generator seeded by ``parts``."""
    return random.Random(stable_int(*parts))


def stable_hex(*parts: object, length: int = 16) -> str:
    """A hexadecimal token of ``length`` characters determined only by ``parts``."""
    text = "\x1f".join(map(str, parts))
    return hashlib.blake2b(text.encode(), digest_size=(length + 1) // 2).hexdigest()[:length]

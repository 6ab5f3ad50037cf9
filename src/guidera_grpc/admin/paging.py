"""Page sizes and opaque page tokens shared by the admin lists."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from guidera_grpc.validation.common import Violations

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000


@dataclass(frozen=True, slots=True)
class Page:
    """Where a page starts and how many rows it holds."""

    kind: str
    offset: int
    size: int

    def next_token(self, rows_seen: int) -> str:
        """The token of the following page, or "" when this one was the last."""
        if rows_seen <= self.size:
            return ""
        return _encode(self.kind, self.offset + self.size)


def read_page(kind: str, page_size: int, page_token: str, errors: Violations) -> Page:
    """The page a request asks for; a violation for a bad size or a foreign token."""
    size = page_size or DEFAULT_PAGE_SIZE
    if not 0 <= page_size <= MAX_PAGE_SIZE:
        errors.add("page_size", f"must be between 0 and {MAX_PAGE_SIZE}")
        size = DEFAULT_PAGE_SIZE
    offset = 0
    if page_token:
        decoded = _decode(kind, page_token)
        if decoded is None:
            errors.add("page_token", "is not a token from a previous page of this list")
        else:
            offset = decoded
    return Page(kind, offset, size)


def _encode(kind: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{offset}".encode()).decode().rstrip("=")


def _decode(kind: str, token: str) -> int | None:
    if len(token) > 64:
        return None
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, _, number = text.partition(":")
    if prefix != kind or not number.isdigit() or len(number) > 7:
        return None
    offset = int(number)
    return offset if offset <= MAX_OFFSET else None

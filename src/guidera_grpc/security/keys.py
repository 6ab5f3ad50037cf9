"""API keys: made once, kept only as a hash, found by their prefix, revoked by id.

A key reads ``gk_<prefix>_<secret>``: the prefix is eight public hex characters that find the
row and name the key in lists and logs; the secret is 32 random bytes in hex, stored as its
SHA-256. Since the secret is random and long, a plain hash resists guessing as well as a slow
one would, and verifying costs one indexed read and one constant-time comparison.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import asyncpg

#: Seconds a verified (or refused) key is remembered; a revocation shows within this time.
CACHE_TTL_S = 5.0
#: Keys remembered at most; the oldest are forgotten first.
CACHE_MAX_ENTRIES = 1024
#: Longest bearer token even looked at; a real key is 76 characters.
MAX_TOKEN_LENGTH = 128

_TOKEN = re.compile(r"gk_(?P<prefix>[0-9a-f]{8})_(?P<secret>[0-9a-f]{64})")
_COLUMNS = "id, name, prefix, roles, created_at, revoked_at"


class Role(StrEnum):
    """What a key may do: search, book (offers and bookings), or administer (everything)."""

    SEARCH = "search"
    BOOK = "book"
    ADMIN = "admin"


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """The roles named, or ValueError for an unknown name or none at all."""
    roles: set[Role] = set()
    for name in names:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise ValueError(f"unknown role {name!r}; use {known}") from None
    if not roles:
        raise ValueError("a key needs at least one role")
    return frozenset(roles)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key as anyone may see it: never its secret."""

    id: int
    name: str
    prefix: str
    roles: frozenset[Role]
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """Whether the key still works."""
        return self.revoked_at is None

    def allows(self, role: Role) -> bool:
        """Whether the key grants ``role``; an admin key grants them all."""
        return Role.ADMIN in self.roles or role in self.roles


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just made: the stored record and the clear token, shown to its owner once."""

    record: ApiKey
    token: str = field(repr=False)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _record(row: asyncpg.Record) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        roles=frozenset(Role(role) for role in row["roles"]),
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


async def create_key(pool: asyncpg.Pool, roles: Iterable[Role], name: str = "") -> NewKey:
    """Store a new key with ``roles`` and return it with its clear token."""
    wanted = sorted(set(roles))
    if not wanted:
        raise ValueError("a key needs at least one role")
    for _ in range(5):
        prefix, secret = secrets.token_hex(4), secrets.token_hex(32)
        try:
            row = await pool.fetchrow(
                "INSERT INTO api_keys (name, key_hash, prefix, roles) VALUES ($1, $2, $3, $4)"
                f" RETURNING {_COLUMNS}",
                name,
                _hash(secret),
                prefix,
                [role.value for role in wanted],
            )
        except asyncpg.UniqueViolationError:
            continue
        assert row is not None
        return NewKey(_record(row), f"gk_{prefix}_{secret}")
    raise RuntimeError("no free key prefix after five tries")


async def list_keys(pool: asyncpg.Pool) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    rows = await pool.fetch(f"SELECT {_COLUMNS} FROM api_keys ORDER BY id")
    return [_record(row) for row in rows]


async def revoke_key(pool: asyncpg.Pool, key_id: int) -> ApiKey | None:
    """Stop key ``key_id`` from working (a second revocation keeps the first time).

    None when there is no such key.
    """
    row = await pool.fetchrow(
        "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1"
        f" RETURNING {_COLUMNS}",
        key_id,
    )
    return None if row is None else _record(row)


async def find_key(pool: asyncpg.Pool, token: str) -> ApiKey | None:
    """The active key whose token this is, or None: malformed, unknown, wrong or revoked."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    row = await pool.fetchrow(
        f"SELECT {_COLUMNS}, key_hash FROM api_keys WHERE prefix = $1", match["prefix"]
    )
    if row is None or not hmac.compare_digest(row["key_hash"], _hash(match["secret"])):
        return None
    key = _record(row)
    return key if key.active else None


class KeyRing:
    """Verifies bearer tokens against the store, remembering answers for a few seconds.

    Tokens are remembered by their SHA-256, never in clear; refusals are remembered too, so
    a client repeating a wrong key does not reach the database each time.
    """

    def __init__(
        self,
        pool: Callable[[], asyncpg.Pool],
        *,
        ttl_s: float = CACHE_TTL_S,
        max_entries: int = CACHE_MAX_ENTRIES,
    ) -> None:
        self._pool = pool
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._seen: dict[str, tuple[float, ApiKey | None]] = {}

    async def verify(self, token: str) -> ApiKey | None:
        """The active key of ``token``, or None."""
        if len(token) > MAX_TOKEN_LENGTH:
            return None
        digest = _hash(token)
        now = time.monotonic()
        remembered = self._seen.get(digest)
        if remembered is not None and remembered[0] > now:
            return remembered[1]

        key = await find_key(self._pool(), token)

        self._seen.pop(digest, None)
        if len(self._seen) >= self._max_entries:
            del self._seen[next(iter(self._seen))]
        self._seen[digest] = (now + self._ttl_s, key)
        return key

"""Supplier credentials at rest: sealed per environment, shown by fingerprint only.

Each (provider, environment) row holds one sealed JSON object of credential fields; setting a
field seals the whole object again and stores its new fingerprint. No value leaves this
module in clear, and none is ever logged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import asyncpg
import orjson
from guidera.v1 import admin_service_pb2

from guidera_grpc.booking.sealing import Sealer
from guidera_grpc.validation.common import Violations

ENVIRONMENTS = ("production", "sandbox", "test")
MAX_VALUE_LENGTH = 8192
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


@dataclass(frozen=True, slots=True)
class CredentialSet:
    """What was stored, without the values."""

    names: tuple[str, ...]
    fingerprint: str
    rotated_at: dt.datetime


def check_credential(request: admin_service_pb2.SetProviderCredentialRequest) -> None:
    """InvalidRequest naming each bad field; the value is checked for size only."""
    errors = Violations()
    if request.environment not in ENVIRONMENTS:
        errors.add("environment", f"must be one of {', '.join(ENVIRONMENTS)}")
    if not _NAME.match(request.name):
        errors.add("name", "must be lower_snake_case, such as client_secret, at most 64 long")
    if not request.value:
        errors.add("value", "is required")
    elif len(request.value) > MAX_VALUE_LENGTH:
        errors.add("value", f"at most {MAX_VALUE_LENGTH} characters")
    errors.raise_if_any()


async def set_credential(
    pool: asyncpg.Pool,
    sealer: Sealer,
    request: admin_service_pb2.SetProviderCredentialRequest,
) -> CredentialSet:
    """Seal the field into the environment's object; the first set creates the row."""
    async with pool.acquire() as connection, connection.transaction():
        sealed = await connection.fetchval(
            "SELECT secret_encrypted FROM provider_credentials"
            " WHERE provider = $1 AND environment = $2 FOR UPDATE",
            request.provider,
            request.environment,
        )
        fields = _open(sealer, sealed)
        fields[request.name] = request.value
        plain = orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
        fingerprint = sealer.fingerprint(plain)
        rotated_at = await connection.fetchval(
            "INSERT INTO provider_credentials"
            " (provider, environment, secret_encrypted, key_id, fingerprint)"
            " VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (provider, environment) DO UPDATE"
            " SET secret_encrypted = excluded.secret_encrypted, key_id = excluded.key_id,"
            "     fingerprint = excluded.fingerprint, rotated_at = now()"
            " RETURNING rotated_at",
            request.provider,
            request.environment,
            sealer.seal(plain),
            sealer.key_id,
            fingerprint,
        )
    return CredentialSet(tuple(sorted(fields)), fingerprint, rotated_at)


async def list_credentials(
    pool: asyncpg.Pool, sealer: Sealer, provider: str
) -> list[admin_service_pb2.ProviderCredential]:
    """The provider's stored credentials by environment: names and fingerprints only."""
    rows = await pool.fetch(
        "SELECT environment, secret_encrypted, fingerprint, rotated_at"
        " FROM provider_credentials WHERE provider = $1 ORDER BY environment",
        provider,
    )
    shown = []
    for row in rows:
        item = admin_service_pb2.ProviderCredential(
            environment=row["environment"],
            names=sorted(_open(sealer, row["secret_encrypted"])),
            fingerprint=row["fingerprint"],
        )
        item.rotate_time.FromDatetime(row["rotated_at"])
        shown.append(item)
    return shown


def _open(sealer: Sealer, sealed: bytes | None) -> dict[str, str]:
    """The stored fields, or none when absent or sealed with a key no longer configured."""
    if sealed is None:
        return {}
    plain = sealer.open(bytes(sealed))
    if plain is None:
        return {}
    try:
        loaded = orjson.loads(plain)
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(key): str(value) for key, value in loaded.items()}

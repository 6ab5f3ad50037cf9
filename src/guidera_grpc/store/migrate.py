"""Versioned schema migrations, applied once however many replicas start together.

Migrations are the ``NNNN_name.sql`` files shipped in this package's ``migrations`` folder.
Each pending one runs in its own transaction and is recorded in ``schema_migrations`` with a
checksum of its text. The whole run holds a PostgreSQL advisory lock, so replicas that start at
the same moment queue up: the first applies, the others find nothing left to do. A file changed
after it was applied is refused, since the database no longer matches what the code reads.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import asyncpg

_log = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

#: Advisory lock key: any fixed 64-bit number that no other part of the service uses.
MIGRATION_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"guidera:migrations").digest()[:8], "big", signed=True
)

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version      integer PRIMARY KEY,
    name         text NOT NULL,
    checksum     text NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT now(),
    duration_ms  integer NOT NULL
)
"""


class MigrationError(RuntimeError):
    """The migrations cannot be applied as they are."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file: its version, name and SQL."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the SQL, with line endings normalised so a checkout cannot change it."""
        return hashlib.sha256(self.sql.replace("\r\n", "\n").encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def load_migrations() -> list[Migration]:
    """Read the packaged migrations, in version order."""
    folder = resources.files("guidera_grpc.store") / "migrations"
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = _FILE_NAME.match(entry.name)
        if match is None:
            raise MigrationError(f"migration file name {entry.name!r} is not NNNN_name.sql")
        version = int(match["version"])
        found.append(Migration(version, match["name"], entry.read_text(encoding="utf-8")))
    return _in_order(found)


def _in_order(migrations: Iterable[Migration]) -> list[Migration]:
    ordered = sorted(migrations, key=lambda m: m.version)
    versions = [m.version for m in ordered]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a version: {versions}")
    return ordered


async def migrate(
    pool: asyncpg.Pool,
    migrations: Sequence[Migration] | None = None,
    *,
    lock_timeout_s: float = 300.0,
    statement_timeout_s: float = 600.0,
) -> list[int]:
    """Apply the pending migrations; return the versions applied (empty when up to date).

    ``migrations`` defaults to the packaged files. Raises MigrationError when an applied
    migration's file has changed, and TimeoutError when another replica holds the lock for
    longer than ``lock_timeout_s``.
    """
    wanted = _in_order(load_migrations() if migrations is None else migrations)
    started = time.perf_counter()
    async with pool.acquire() as conn:
        await conn.execute(
            "SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY, timeout=lock_timeout_s
        )
        try:
            applied = await _prepare(conn, wanted)
            done: list[int] = []
            for migration in wanted:
                if migration.version not in applied:
                    done.append(await _apply(conn, migration, statement_timeout_s))
        finally:
            if not conn.is_closed():
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    _log.info("schema up to date (%d applied) in %.3f s", len(done), time.perf_counter() - started)
    return done


async def _prepare(conn: asyncpg.Connection, wanted: Sequence[Migration]) -> dict[int, str]:
    """Create the ledger if needed, and check the applied migrations against their files."""
    await conn.execute(_CREATE_LEDGER)
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    applied: dict[int, str] = {row["version"]: row["checksum"] for row in rows}
    known = {m.version: m for m in wanted}
    for version, checksum in sorted(applied.items()):
        migration = known.get(version)
        if migration is None:
            _log.warning("database has migration %04d, which this code does not know", version)
        elif migration.checksum != checksum:
            raise MigrationError(
                f"migration {migration.label} changed after it was applied; "
                "add a new migration instead of editing an applied one"
            )
    return applied


async def _apply(conn: asyncpg.Connection, migration: Migration, statement_timeout_s: float) -> int:
    started = time.perf_counter()
    async with conn.transaction():
        await conn.execute(migration.sql, timeout=statement_timeout_s)
        duration_ms = round((time.perf_counter() - started) * 1000)
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, duration_ms)"
            " VALUES ($1, $2, $3, $4)",
            migration.version,
            migration.name,
            migration.checksum,
            duration_ms,
        )
    _log.info("applied migration %s in %d ms", migration.label, duration_ms)
    return migration.version

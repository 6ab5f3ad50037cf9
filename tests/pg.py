"""A real PostgreSQL for the test suite: fresh, empty databases on demand, never a mock.

With ``GUIDERA_TEST_DATABASE_URL`` set (CI sets ``postgresql://postgres@127.0.0.1:5432/test``)
each database is created on that server as ``guidera_t_<random>`` and dropped at the end.
Without it, an embedded server is started in a temporary folder under /tmp (not under a home
folder: as root, pgserver opens traverse rights on every parent of its data folder) and removed
at the end with everything in it.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from guidera_grpc.store.embedded import EmbeddedPostgres, start_embedded

ENV_VAR = "GUIDERA_TEST_DATABASE_URL"

_log = logging.getLogger(__name__)


@dataclass
class PgCluster:
    """A PostgreSQL server the tests may create databases on."""

    admin_dsn: str
    embedded: EmbeddedPostgres | None = None
    temp_dir: Path | None = None
    created: list[str] = field(default_factory=list)

    async def create_database(self) -> str:
        """Create a fresh, empty database and return its DSN."""
        name = f"guidera_t_{secrets.token_hex(6)}"
        await self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return with_database(self.admin_dsn, name)

    async def close(self) -> None:
        """Drop the databases created here, or stop and delete the embedded server."""
        if self.embedded is None:
            for name in self.created:
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            await self.embedded.stop()
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
        self.created.clear()

    async def _admin(self, statement: str) -> None:
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()


async def open_cluster() -> PgCluster:
    """The server named by ``GUIDERA_TEST_DATABASE_URL``, else a new embedded one."""
    url = os.environ.get(ENV_VAR)
    if url:
        _log.info("test databases on %s", urlsplit(url).hostname or "a local socket")
        return PgCluster(admin_dsn=url)
    temp_dir = Path(tempfile.mkdtemp(prefix="guidera-test-pg-", dir="/tmp"))
    embedded = await start_embedded(temp_dir / "postgres")
    return PgCluster(admin_dsn=embedded.uri, embedded=embedded, temp_dir=temp_dir)


def with_database(dsn: str, database: str) -> str:
    """``dsn`` pointing at ``database`` instead (host, socket and options kept)."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))

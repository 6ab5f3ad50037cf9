"""The service's PostgreSQL: connection pool, schema migrations and repositories.

``open_store`` is the one way in at startup. With ``GUIDERA_DATABASE_URL`` set it connects
there; without it, it starts the embedded server on ``<state dir>/postgres`` so that the service
runs on a laptop with nothing installed. Either way the schema is migrated before the store is
handed out, and ``Store.close`` undoes it all in reverse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import TracebackType

import asyncpg

from guidera_grpc.config import Settings, SettingsError
from guidera_grpc.store.embedded import EmbeddedPostgres, start_embedded
from guidera_grpc.store.migrate import MigrationError, migrate
from guidera_grpc.store.pool import close_pool, open_pool

__all__ = ["EmbeddedPostgres", "MigrationError", "Store", "open_store"]

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class Store:
    """An open, migrated database: the pool, and the embedded server when there is one."""

    pool: asyncpg.Pool
    embedded: EmbeddedPostgres | None = None
    #: Where the pool connects, for the one connection that listens for change notices.
    dsn: str = ""

    async def close(self) -> None:
        """Close the pool, then stop the embedded server if this store started it."""
        try:
            await close_pool(self.pool)
        finally:
            if self.embedded is not None:
                await self.embedded.stop()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


async def open_store(settings: Settings, *, min_size: int = 1, max_size: int = 10) -> Store:
    """Connect (starting the embedded server when no URL is set), open the pool, migrate."""
    embedded: EmbeddedPostgres | None = None
    if settings.database_url is None:
        folder = settings.resolved_state_dir() / "postgres"
        try:
            embedded = await start_embedded(folder)
        except OSError as error:
            raise SettingsError(
                f"GUIDERA_STATE_DIR: cannot keep the embedded database in {folder} "
                f"({error.strerror or type(error).__name__}); set it, or GUIDERA_DATABASE_URL"
            ) from error
        dsn = embedded.uri
    else:
        dsn = settings.database_url.get_secret_value()
    try:
        pool = await open_pool(dsn, min_size=min_size, max_size=max_size)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        if embedded is not None:
            await embedded.stop()
            raise
        # The driver's words name the host, port, user or database, never the password.
        raise SettingsError(f"GUIDERA_DATABASE_URL: cannot connect: {error}") from error
    except BaseException:
        if embedded is not None:
            await embedded.stop()
        raise
    store = Store(pool, embedded, dsn)
    try:
        await migrate(pool)
    except BaseException:
        await store.close()
        raise
    _log.info("store ready (%s)", "embedded" if embedded else "external")
    return store

"""The asyncpg connection pool every repository uses.

Each connection decodes json and jsonb to Python objects (and encodes them back) with orjson, so
callers pass dicts, not strings. Queries carry a default timeout so that a stuck database fails
a request instead of hanging it.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from guidera_grpc.store import jsonb

_log = logging.getLogger(__name__)

#: Seconds a query may run unless the caller passes its own ``timeout``.
DEFAULT_COMMAND_TIMEOUT_S = 10.0
#: Seconds to establish a connection.
DEFAULT_CONNECT_TIMEOUT_S = 10.0


async def open_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT_S,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT_S,
) -> asyncpg.Pool:
    """Open a pool on ``dsn`` (a URI; a Unix socket is given as ``?host=/dir``)."""
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        command_timeout=command_timeout,
        timeout=connect_timeout,
        max_inactive_connection_lifetime=300.0,
        server_settings={"application_name": "guidera"},
        init=_init_connection,
    )


async def close_pool(pool: asyncpg.Pool, *, grace_s: float = 10.0) -> None:
    """Close ``pool`` once its connections are back; after ``grace_s`` seconds, cut them."""
    try:
        await asyncio.wait_for(pool.close(), grace_s)
    except TimeoutError:
        _log.warning("connections still busy after %.1f s: terminating the pool", grace_s)
        pool.terminate()


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name,
            schema="pg_catalog",
            encoder=jsonb.encode,
            decoder=jsonb.decode,
            format="text",
        )

"""Embedded PostgreSQL, for a service started without a database URL.

pgserver ships PostgreSQL binaries in a wheel and runs them on a Unix socket inside a data folder
of ours. It blocks, and it is dormant upstream, so this module is the only one that touches it:
the rest of the store sees a URI and an async ``stop()``, and another embedded server can take its
place without changing anything else.

Running as root, pgserver starts PostgreSQL as a ``pgserver`` system user and widens read and
traverse rights on every parent of the data folder up to ``/``. Keep the folder out of home
folders; as root the service's default state folder is /var/lib/guidera for that reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import warnings
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

#: pgserver's record of the processes holding the server; the last one to leave stops it.
_HANDLES_FILE = ".handle_pids.json"


class EmbeddedPostgres:
    """A running embedded server: where to connect, and how to stop it."""

    def __init__(self, server: Any, data_dir: Path) -> None:
        self._server = server
        self._stopped = False
        self.data_dir = data_dir
        self.uri: str = server.get_uri()

    async def stop(self) -> None:
        """Stop the server, unless another process still uses it. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        await asyncio.to_thread(self._server.cleanup)
        _log.info("embedded PostgreSQL released", extra={"data_dir": str(self.data_dir)})


async def start_embedded(data_dir: Path) -> EmbeddedPostgres:
    """Start (or join) the embedded server whose data lives in ``data_dir``.

    A fresh folder is initialised first. The parents are created here because pgserver refuses
    a data folder whose parent is missing. pgserver also stops the server at interpreter exit.
    """
    return await asyncio.to_thread(_start_blocking, data_dir)


def _start_blocking(data_dir: Path) -> EmbeddedPostgres:
    pgserver = _import_pgserver()
    data_dir = data_dir.expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with pgserver.PostgresServer._lock:
        _forget_dead_handles(data_dir)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    embedded = EmbeddedPostgres(server, data_dir)
    _log.info(
        "embedded PostgreSQL ready in %.2f s",
        time.perf_counter() - started,
        extra={"data_dir": str(data_dir)},
    )
    return embedded


def _import_pgserver() -> Any:
    """Import pgserver lazily (only this path needs it), without its runtime-folder warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver

    return pgserver


def _forget_dead_handles(data_dir: Path) -> None:
    """Drop processes that died without releasing the server from pgserver's handle list.

    Otherwise a crashed run leaves its pid behind and no later run is ever the last holder,
    so the server would never be stopped again.
    """
    path = data_dir / _HANDLES_FILE
    try:
        pids: list[int] = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if _process_exists(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))
        _log.info("forgot %d dead holder(s) of the embedded server", len(pids) - len(alive))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

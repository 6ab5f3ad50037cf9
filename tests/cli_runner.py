"""Runs the installed ``guidera`` command as a user would, for the CLI tests."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

GUIDERA = str(Path(sys.executable).parent / "guidera")


async def run_guidera(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one ``guidera`` run, bounded at 30 seconds."""
    process = await asyncio.create_subprocess_exec(
        GUIDERA,
        *args,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    code = await process.wait()
    return code, out.decode(), err.decode()

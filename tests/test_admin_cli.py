"""``guidera admin`` run as an operator would, against a service of the tests' own."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from guidera_grpc.sandbox import RunningSandbox
from tests.admin_kit import AdminRig, open_rig
from tests.pg import PgCluster

GUIDERA = str(Path(sys.executable).parent / "guidera")


@pytest.fixture(scope="module")
async def rig(pg_cluster: PgCluster, sandbox: RunningSandbox) -> AsyncIterator[AdminRig]:
    """A service of this module's own, with AdminService beside it."""
    async for opened in open_rig(pg_cluster, sandbox):
        yield opened


async def _run(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        GUIDERA, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_admin_providers_json_lists_every_provider(rig: AdminRig) -> None:
    """--json prints the ListProviders answer; every seeded provider is in it."""
    code, out, err = await _run("admin", "providers", "--json", "--target", rig.admin_address)

    assert code == 0, err
    codes = {p["code"] for p in json.loads(out)["providers"]}
    assert {"amadeus", "duffel", "kiwi", "hotelbeds", "cartrawler"} <= codes


async def test_admin_table_and_refusal(rig: AdminRig) -> None:
    """A table for people; a refused request prints the bad field and exits 1."""
    code, out, err = await _run("admin", "circuits", "--target", rig.admin_address)
    assert code == 0, err
    assert "duffel" in out
    assert "closed" in out

    code, _, err = await _run("admin", "set-fx", "EURO", "0", "--target", rig.admin_address)
    assert code == 1
    assert "INVALID_ARGUMENT" in err
    assert "rate_per_eur" in err

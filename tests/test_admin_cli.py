"""``guidera admin`` run as an operator would, against a service of the tests' own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from guidera_grpc.sandbox import RunningSandbox
from tests.admin_kit import AdminRig, open_rig
from tests.cli_runner import run_guidera
from tests.pg import PgCluster


@pytest.fixture(scope="module")
async def rig(pg_cluster: PgCluster, sandbox: RunningSandbox) -> AsyncIterator[AdminRig]:
    """A service of this module's own, with AdminService beside it."""
    async for opened in open_rig(pg_cluster, sandbox):
        yield opened


async def test_admin_providers_json_lists_every_provider(rig: AdminRig) -> None:
    """--json prints the ListProviders answer; every seeded provider is in it."""
    code, out, err = await run_guidera(
        "admin", "providers", "--json", "--target", rig.admin_address
    )

    assert code == 0, err
    codes = {p["code"] for p in json.loads(out)["providers"]}
    assert {"amadeus", "duffel", "kiwi", "hotelbeds", "cartrawler"} <= codes


async def test_admin_table_and_refusal(rig: AdminRig) -> None:
    """A table for people; a refused request prints the bad field and exits 1."""
    code, out, err = await run_guidera("admin", "circuits", "--target", rig.admin_address)
    assert code == 0, err
    assert "duffel" in out
    assert "closed" in out

    code, _, err = await run_guidera("admin", "set-fx", "EURO", "0", "--target", rig.admin_address)
    assert code == 1
    assert "INVALID_ARGUMENT" in err
    assert "rate_per_eur" in err

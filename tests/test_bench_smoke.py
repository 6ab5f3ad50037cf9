"""The benchmark harness runs end to end: sandbox, server, baseline and every scenario, a
few searches each, and writes its table as JSON and Markdown. Figures are not checked:
benchmarks print figures, they do not pass or fail on them."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import orjson

from tests.pg import with_database

ROOT = Path(__file__).resolve().parent.parent


async def test_the_benchmark_runs_every_scenario_and_writes_its_results(
    tmp_path: Path, pg_dsn: str
) -> None:
    admin = with_database(pg_dsn, "postgres")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench",
        "--smoke",
        "--out",
        str(tmp_path),
        cwd=ROOT,
        env={**os.environ, "GUIDERA_BENCH_DATABASE_URL": admin},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    text = output.decode()
    assert process.returncode == 0, text[-3000:]

    results = orjson.loads((tmp_path / "latest-smoke.json").read_bytes())
    scenarios = {row["scenario"].split(",")[0].split(" ")[-1] for row in results["rows"]}
    assert {"streams", "throughput", "cache", "hotels", "soak", "aggregation", "overload"} <= (
        scenarios
    ), scenarios
    assert results["environment"]["commit"]
    assert results["data"]["flights_c1"]["failed"] == 0
    assert results["data"]["flights_c1"]["baseline_first_p50"] > 0
    assert "| scenario | figure |" in (tmp_path / "latest-smoke.md").read_text()
    assert "first offers p50" in text

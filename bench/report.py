"""Figures into words: percentiles, the printed table, and the JSON and Markdown files."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import astuple, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    """Seconds as milliseconds for the table."""
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def with_overhead(ours: float, reference: float) -> str:
    """Our figure and its difference from the reference, signed: "314.4 ms (+9.7 ms)"."""
    if math.isnan(ours) or math.isnan(reference):
        return f"{ms(ours)} (n/a)"
    return f"{ms(ours)} ({(ours - reference) * 1000:+.1f} ms)"


@dataclass
class Row:
    """One line of the table: a figure of ours, the baseline's, their ratio, the target."""

    scenario: str
    figure: str
    ours: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    met: str = ""


@dataclass
class Report:
    """Everything one run measured."""

    mode: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        """Keep a row and print it at once, so a long run shows progress."""
        self.rows.append(row)
        print(_line(row), flush=True)

    def write(self, folder: Path, environment: dict[str, Any]) -> tuple[Path, Path]:
        """``<stamp>-<mode>.json`` and ``.md`` (and ``latest-<mode>.*``) under ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        stamp = environment["date"].replace(":", "").replace("-", "")[:15]
        kind = self.mode
        payload = {
            "environment": environment,
            "mode": kind,
            "rows": [row.__dict__ for row in self.rows],
            "data": self.data,
        }
        json_path = folder / f"{stamp}-{kind}.json"
        md_path = folder / f"{stamp}-{kind}.md"
        json_path.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
        md_path.write_text(markdown(self.rows, environment, kind))
        (folder / f"latest-{kind}.json").write_bytes(json_path.read_bytes())
        (folder / f"latest-{kind}.md").write_text(md_path.read_text())
        return json_path, md_path


HEADER = Row("scenario", "figure", "ours", "baseline", "ratio", "target", "met")
#: Text columns to the left, figures to the right.
HEADER_ALIGN = ("<", "<", ">", ">", ">", ">", ">")


def _line(row: Row) -> str:
    """One row as it is measured, for progress; the table at the end aligns them all."""
    return (
        f"{row.scenario:<12} {row.figure:<44} {row.ours:>16} {row.baseline:>14} "
        f"{row.ratio:>7} {row.target:>14} {row.met:>4}"
    )


def table(rows: Sequence[Row]) -> str:
    """The rows as aligned text: each column as wide as its widest cell."""
    cells = [astuple(row) for row in (HEADER, *rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(len(HEADER_ALIGN))]
    return "\n".join(
        " ".join(
            cell.ljust(width) if align == "<" else cell.rjust(width)
            for cell, width, align in zip(line, widths, HEADER_ALIGN, strict=True)
        ).rstrip()
        for line in cells
    )


def markdown(rows: Sequence[Row], environment: dict[str, Any], kind: str) -> str:
    """The rows as a Markdown table, under the machine and versions they were measured on."""
    lines = [
        f"# Benchmark results ({kind}), {environment['date']}",
        "",
        *(f"- {key}: {value}" for key, value in environment.items() if key != "date"),
        "",
        "| scenario | figure | ours | baseline | ratio | target | met |",
        "| --- | --- | ---: | ---: | ---: | ---: | :-: |",
        *(
            f"| {r.scenario} | {r.figure} | {r.ours} | {r.baseline} | {r.ratio} | "
            f"{r.target} | {r.met} |"
            for r in rows
        ),
        "",
    ]
    return "\n".join(lines)


def environment(database_kind: str, pinned: bool) -> dict[str, Any]:
    """The machine, the versions and the date of a run."""
    versions = {
        name: _version(name) for name in ("grpcio", "protobuf", "aiohttp", "asyncpg", "orjson")
    }
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {_memory_gib():.0f} GiB",
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "guidera": _version("guidera-grpc"),
        "commit": _commit(),
        "database": database_kind,
        "pinning": "server on core 0; sandbox and load on core 1" if pinned else "none",
        "shared state": "Redis" if os.environ.get("GUIDERA_BENCH_REDIS_URL") else "in memory",
        "libraries": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 2**20
    return 0.0


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return done.stdout.strip()

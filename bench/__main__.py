"""``python -m bench [--quick]``: run every scenario, print the table, write the results."""

from __future__ import annotations

import asyncio
import os
import signal
import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer

from bench.report import Report, environment, table
from bench.scenarios import SCENARIOS, Plan, run_all
from bench.stack import SANDBOX_CORE, pin_self, pinning

RESULTS = Path(__file__).resolve().parent / "results"

app = typer.Typer(add_completion=False)


@app.command()
def main(
    quick: Annotated[
        bool, typer.Option("--quick", help="Fewer searches, a 6 s soak: under two minutes.")
    ] = False,
    smoke: Annotated[
        bool, typer.Option("--smoke", hidden=True, help="A few searches per scenario.")
    ] = False,
    out: Annotated[Path, typer.Option(help="Where the JSON and Markdown go.")] = RESULTS,
    only: Annotated[
        list[str] | None,
        typer.Option(help=f"Run only these scenarios (repeatable): {', '.join(SCENARIOS)}."),
    ] = None,
) -> None:
    """Benchmark the service against the baseline and print the table."""
    pin_self(SANDBOX_CORE)
    started = time.monotonic()
    mode = "smoke" if smoke else "quick" if quick else "full"
    chosen = set(only or SCENARIOS)
    unknown = chosen - set(SCENARIOS)
    if unknown:
        raise typer.BadParameter(f"unknown scenarios: {', '.join(sorted(unknown))}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise typer.BadParameter(f"cannot write results to {out}: {error.strerror}") from None
    if not os.access(out, os.W_OK):
        raise typer.BadParameter(f"cannot write results to {out}: not writable")
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the server, the sandbox, the
    # embedded database and the bench database are stopped and dropped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # A run of some scenarios is kept apart, so it never replaces a whole run's latest-* files.
    report = Report(mode if chosen == set(SCENARIOS) else f"{mode}-partial")
    logs = Path(tempfile.mkdtemp(prefix="guidera-bench-"))
    print(f"server and sandbox logs in {logs}", flush=True)
    try:
        kind = asyncio.run(run_all(Plan.make(mode), report, logs, chosen))
    except KeyboardInterrupt:
        print(f"\ninterrupted: nothing written; server and sandbox logs in {logs}", flush=True)
        raise typer.Exit(130) from None
    env = environment(kind, pinning())
    json_path, md_path = report.write(out, env)
    print()
    print(table(report.rows))
    print(f"\n{time.monotonic() - started:.0f} s; results in {json_path} and {md_path}")
    if report.failed:
        print(f"failed: {', '.join(report.failed)} (see the logs above and in {logs})")
        raise typer.Exit(1)


if __name__ == "__main__":
    app()

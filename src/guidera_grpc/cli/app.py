"""The ``guidera`` command: serve, run the sandbox, and search from a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Annotated

import typer

from guidera_grpc.cli import booking_cmd, results_cmd
from guidera_grpc.cli.admin_cmd import admin_app
from guidera_grpc.cli.keys_cmd import keys_app
from guidera_grpc.cli.load import exit_on_environment_errors, load_settings
from guidera_grpc.cli.search_cmd import search_app
from guidera_grpc.config import split_host_port
from guidera_grpc.logs import configure_logging
from guidera_grpc.sandbox.knobs import REALISTIC, Knobs, parse_knob_flags

app = typer.Typer(
    help="Guidera provider manager: routes travel searches to suppliers over gRPC.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(search_app, name="search")
app.command()(results_cmd.results)
app.add_typer(keys_app, name="keys")
app.add_typer(admin_app, name="admin")
for command in (booking_cmd.offer, booking_cmd.book, booking_cmd.bookings, booking_cmd.cancel):
    app.command()(command)

LatencyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--latency", help="Sandbox latency per supplier, e.g. duffel=1500ms or 200-800ms."
    ),
]
ErrorRateOpt = Annotated[
    list[str] | None,
    typer.Option("--error-rate", help="Share of sandbox answers that are 500s, e.g. duffel=1.0."),
]
Rate429Opt = Annotated[
    list[str] | None,
    typer.Option("--rate-429", help="Share of sandbox answers that are 429s, e.g. kiwi=0.2."),
]
TimeoutRateOpt = Annotated[
    list[str] | None,
    typer.Option("--timeout-rate", help="Share of sandbox requests that hang, e.g. amadeus=0.1."),
]
MalformedRateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--malformed-rate", help="Share of sandbox answers with an unparsable body, e.g. kiwi=0.1."
    ),
]
TruncateRateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--truncate-rate", help="Share of sandbox answers cut off halfway, e.g. duffel=0.1."
    ),
]
DripRateOpt = Annotated[
    list[str] | None,
    typer.Option("--drip-rate", help="Share of sandbox answers sent very slowly, e.g. kiwi=0.1."),
]
ResetRateOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--reset-rate", help="Share of sandbox requests whose connection is reset, e.g. all=0.05."
    ),
]


def _knobs(
    *,
    latency: list[str] | None,
    error_rate: list[str] | None,
    rate_429: list[str] | None,
    timeout_rate: list[str] | None,
    malformed_rate: list[str] | None,
    truncate_rate: list[str] | None,
    drip_rate: list[str] | None,
    reset_rate: list[str] | None,
) -> Knobs:
    try:
        return parse_knob_flags(
            base=REALISTIC,
            latency=latency or [],
            error_rate=error_rate or [],
            rate_429=rate_429 or [],
            timeout_rate=timeout_rate or [],
            malformed_rate=malformed_rate or [],
            truncate_rate=truncate_rate or [],
            drip_rate=drip_rate or [],
            reset_rate=reset_rate or [],
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


@app.command()
def serve(
    listen: Annotated[
        str | None, typer.Option(help="HOST:PORT to listen on (GUIDERA_LISTEN).")
    ] = None,
    sandbox: Annotated[
        bool, typer.Option("--sandbox", help="Start the supplier sandbox and use it.")
    ] = False,
    state_dir: Annotated[
        Path | None, typer.Option(help="Where state lives, the embedded database included.")
    ] = None,
    latency: LatencyOpt = None,
    error_rate: ErrorRateOpt = None,
    rate_429: Rate429Opt = None,
    timeout_rate: TimeoutRateOpt = None,
    malformed_rate: MalformedRateOpt = None,
    truncate_rate: TruncateRateOpt = None,
    drip_rate: DripRateOpt = None,
    reset_rate: ResetRateOpt = None,
) -> None:
    """Run the gRPC service until SIGTERM or SIGINT."""
    overrides: dict[str, object] = {}
    if listen:
        overrides["listen"] = listen
    if state_dir:
        overrides["state_dir"] = state_dir
    settings = load_settings(**overrides)
    if sandbox and not os.environ.get("GUIDERA_AUTH", "").strip():
        # Development against the sandbox runs open unless GUIDERA_AUTH says otherwise.
        settings = settings.model_copy(update={"auth_mode": "open"})
    configure_logging(settings.log_level, settings.log_format)
    knobs = None
    if sandbox:
        knobs = _knobs(
            latency=latency,
            error_rate=error_rate,
            rate_429=rate_429,
            timeout_rate=timeout_rate,
            malformed_rate=malformed_rate,
            truncate_rate=truncate_rate,
            drip_rate=drip_rate,
            reset_rate=reset_rate,
        )
    from guidera_grpc.cli.serve_cmd import serve_forever

    with exit_on_environment_errors("serve"), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(settings, sandbox_knobs=knobs))


@app.command("sandbox")
def sandbox_command(
    listen: Annotated[str, typer.Option(help="HOST:PORT for the sandbox.")] = "127.0.0.1:8700",
    latency: LatencyOpt = None,
    error_rate: ErrorRateOpt = None,
    rate_429: Rate429Opt = None,
    timeout_rate: TimeoutRateOpt = None,
    malformed_rate: MalformedRateOpt = None,
    truncate_rate: TruncateRateOpt = None,
    drip_rate: DripRateOpt = None,
    reset_rate: ResetRateOpt = None,
) -> None:
    """Serve the supplier emulators on loopback until interrupted."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    knobs = _knobs(
        latency=latency,
        error_rate=error_rate,
        rate_429=rate_429,
        timeout_rate=timeout_rate,
        malformed_rate=malformed_rate,
        truncate_rate=truncate_rate,
        drip_rate=drip_rate,
        reset_rate=reset_rate,
    )
    from guidera_grpc.cli.serve_cmd import sandbox_forever

    try:
        host, port = split_host_port(listen)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--listen") from None
    with exit_on_environment_errors("serve the sandbox"), contextlib.suppress(KeyboardInterrupt):
        asyncio.run(sandbox_forever(host, port, knobs))


def main() -> None:
    """Console-script entry point."""
    app()

"""Settings for a command, with a bad environment reported as one line per variable."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import asyncpg
import typer
from pydantic import ValidationError

from guidera_grpc.config import Settings, SettingsError


def _variable(field: str) -> str:
    """The environment variable a Settings field is read from (the field's own name if none)."""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    return alias if isinstance(alias, str) else field


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment and ``overrides``, or exit 2 naming each bad variable.

    The messages leave the offending values out: a URL or key may carry a secret.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        for problem in error.errors(include_input=False, include_url=False):
            field = ".".join(str(part) for part in problem["loc"]) or "settings"
            message = problem["msg"].removeprefix("Value error, ")
            # A value given on the command line is named as its option, not its variable.
            source = f"--{field.replace('_', '-')}" if field in overrides else _variable(field)
            typer.echo(f"error: {source}: {message}", err=True)
        raise typer.Exit(code=2) from None


@contextlib.contextmanager
def exit_on_environment_errors(doing: str) -> Iterator[None]:
    """Turn what the environment refused (a port in use, an unreachable or missing database,
    an unreadable TLS file) into one line on stderr and exit code 1, not a traceback. The
    traceback stays available in the log at DEBUG."""
    try:
        yield
    except (OSError, SettingsError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        logging.getLogger(__name__).debug("%s failed", doing, exc_info=True)
        reason = str(error) or type(error).__name__
        typer.echo(f"error: cannot {doing}: {reason}", err=True)
        raise typer.Exit(code=1) from None

"""``guidera keys create|list|revoke``: manage API keys straight in the service's database.

The commands use the database the service would (GUIDERA_DATABASE_URL, else the embedded one
in the state folder), so they work before any server runs and without an admin key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import asyncpg
import typer
from rich.console import Console
from rich.table import Table

from guidera_grpc.cli.load import exit_on_environment_errors, load_settings
from guidera_grpc.security.keys import (
    ApiKey,
    NewKey,
    create_key,
    list_keys,
    parse_roles,
    revoke_key,
)
from guidera_grpc.store import open_store

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

T = TypeVar("T")


def _with_pool(action: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    async def run() -> T:
        async with await open_store(load_settings(), max_size=2) as store:
            return await action(store.pool)

    with exit_on_environment_errors("reach the database"):
        return asyncio.run(run())


@keys_app.command("create")
def create(
    role: Annotated[list[str], typer.Option("--role", help="search, book or admin (repeatable).")],
    name: Annotated[str, typer.Option(help="Who or what the key is for.")] = "",
) -> None:
    """Make a key and print it once: it cannot be shown again."""
    try:
        roles = parse_roles(role)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--role") from error
    if len(name) > 128:
        raise typer.BadParameter("at most 128 characters", param_hint="--name")

    made: NewKey = _with_pool(lambda pool: create_key(pool, roles, name))

    err = Console(stderr=True)
    err.print(
        f"key {made.record.id} ({made.record.prefix}) with roles {_roles(made.record)};"
        " store it now, it is not shown again:"
    )
    print(made.token)


@keys_app.command("list")
def list_command() -> None:
    """Show every key: id, prefix, name, roles, when made and when revoked."""
    keys = _with_pool(list_keys)

    table = Table("id", "prefix", "name", "roles", "created", "revoked")
    for key in keys:
        table.add_row(
            str(key.id),
            f"gk_{key.prefix}_…",
            key.name,
            _roles(key),
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
        )
    Console().print(table)


@keys_app.command("revoke")
def revoke(key_id: Annotated[int, typer.Argument(help="The key's id (see keys list).")]) -> None:
    """Stop a key from working; servers notice within seconds."""
    revoked = _with_pool(lambda pool: revoke_key(pool, key_id))

    if revoked is None:
        Console(stderr=True).print(f"[bold red]no key {key_id}[/]")
        raise typer.Exit(1)
    print(f"key {revoked.id} ({revoked.prefix}) revoked")


def _roles(key: ApiKey) -> str:
    return ",".join(sorted(role.value for role in key.roles))

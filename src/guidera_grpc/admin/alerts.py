"""Alerts as operators read them, newest first, and their acknowledgement."""

from __future__ import annotations

import asyncpg
from guidera.v1 import admin_service_pb2

from guidera_grpc.admin.paging import Page
from guidera_grpc.errors import NotFound
from guidera_grpc.validation.common import Violations

_COLUMNS = "id, kind, severity, provider, message, created_at, acknowledged_at"


def parse_alert_id(value: str) -> int:
    """The numeric id of an alert; InvalidRequest when it cannot be one."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        errors = Violations()
        errors.add("alert_id", "is not an alert id such as 42")
        errors.raise_if_any()
    return int(value)


async def list_alerts(
    pool: asyncpg.Pool, include_acknowledged: bool, page: Page
) -> tuple[list[admin_service_pb2.Alert], str]:
    """A page of alerts, newest first; open ones only unless asked otherwise."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM system_alerts"
        " WHERE $1::boolean OR acknowledged_at IS NULL"
        " ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        include_acknowledged,
        page.size + 1,
        page.offset,
    )
    return [alert_message(row) for row in rows[: page.size]], page.next_token(len(rows))


async def acknowledge(pool: asyncpg.Pool, alert_id: int, actor: str) -> admin_service_pb2.Alert:
    """Mark an alert seen (once: a second acknowledgement keeps the first's time and actor)."""
    row = await pool.fetchrow(
        "UPDATE system_alerts SET acknowledged_at = coalesce(acknowledged_at, now()),"
        " acknowledged_by = coalesce(acknowledged_by, $2)"
        f" WHERE id = $1 RETURNING {_COLUMNS}",
        alert_id,
        actor,
    )
    if row is None:
        raise NotFound(f"no alert {alert_id}")
    return alert_message(row)


def alert_message(row: asyncpg.Record) -> admin_service_pb2.Alert:
    """The API's view of a ``system_alerts`` row."""
    alert = admin_service_pb2.Alert(
        alert_id=str(row["id"]),
        kind=row["kind"],
        severity=row["severity"],
        provider=row["provider"] or "",
        message=row["message"],
    )
    alert.create_time.FromDatetime(row["created_at"])
    if row["acknowledged_at"] is not None:
        alert.acknowledge_time.FromDatetime(row["acknowledged_at"])
    return alert

"""The audit trail: one row and one structured log line per change an operator makes."""

from __future__ import annotations

import logging

import asyncpg
import orjson
from guidera.v1 import admin_service_pb2 as pb

from guidera_grpc.admin.paging import Page

log = logging.getLogger("guidera_grpc.admin.audit")


async def record_change(
    pool: asyncpg.Pool, actor: str, action: str, target: str, **details: object
) -> None:
    """Keep a change; ``details`` must never hold a secret (callers pass names, not values)."""
    fields: dict[str, object] = {"actor": actor, "action": action, "target": target}
    fields.update(details)
    log.info("admin change", extra={"fields": fields})
    await pool.execute(
        "INSERT INTO admin_audit (actor, action, target, details) VALUES ($1, $2, $3, $4)",
        actor[:200],
        action,
        target[:200],
        orjson.loads(orjson.dumps(details, default=str)),
    )


async def list_changes(pool: asyncpg.Pool, page: Page) -> tuple[list[pb.AuditEntry], str]:
    """Changes, newest first, a page at a time."""
    rows = await pool.fetch(
        "SELECT id, at, actor, action, target, details FROM admin_audit"
        " ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
        page.size + 1,
        page.offset,
    )
    entries = []
    for row in rows[: page.size]:
        entry = pb.AuditEntry(
            entry_id=str(row["id"]),
            actor=row["actor"],
            action=row["action"],
            target=row["target"],
            details_json=orjson.dumps(row["details"]).decode(),
        )
        entry.create_time.FromDatetime(row["at"])
        entries.append(entry)
    return entries, page.next_token(len(rows))

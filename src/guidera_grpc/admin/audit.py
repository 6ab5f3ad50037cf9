"""One structured log line per change an operator makes: who, what, on what."""

from __future__ import annotations

import logging

log = logging.getLogger("guidera_grpc.admin.audit")


def record_change(actor: str, action: str, target: str, **details: object) -> None:
    """Log a change; ``details`` must never hold a secret (callers pass names, not values)."""
    fields: dict[str, object] = {"actor": actor, "action": action, "target": target}
    fields.update(details)
    log.info("admin change", extra={"fields": fields})

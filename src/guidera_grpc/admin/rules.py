"""Routing rules as operators write them: every field and condition checked before storing.

The routing layer ignores a rule it cannot read; here such a rule is refused at the door,
with the field and the reason, so an operator never stores a rule that silently does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, Final

import asyncpg
import orjson
from guidera.v1 import admin_service_pb2

from guidera_grpc.admin.paging import Page
from guidera_grpc.admin.vocabulary import ALL_REGIONS, CATEGORIES
from guidera_grpc.errors import NotFound
from guidera_grpc.routing.routes import (
    DOMESTIC,
    DOMESTIC_US,
    INTERNATIONAL,
    INTRA_EUROPE,
    MULTI_CITY,
    TRANSATLANTIC,
    TRANSPACIFIC,
)
from guidera_grpc.validation.common import Violations, check_text

#: Each condition key with the values it may take (hours are checked apart).
CONDITION_VALUES: Final[Mapping[str, frozenset[str]]] = {
    "category": frozenset(CATEGORIES),
    "region": ALL_REGIONS,
    "origin_region": ALL_REGIONS,
    "route_type": frozenset(
        {
            DOMESTIC,
            DOMESTIC_US,
            INTERNATIONAL,
            INTRA_EUROPE,
            MULTI_CITY,
            TRANSATLANTIC,
            TRANSPACIFIC,
        }
    ),
    "traveler_type": frozenset({"budget", "mid_range", "luxury"}),
    "travel_style": frozenset({"leisure", "business", "adventure", "family"}),
}
HOUR_KEYS: Final = ("hour_from", "hour_to")
RULE_STRATEGIES: Final = (
    "single_fastest",
    "single_cheapest",
    "parallel_top_3",
    "parallel_all",
    "sequential",
    "waterfall",
)
UPDATABLE: Final = (
    "name",
    "description",
    "priority",
    "enabled",
    "conditions_json",
    "provider",
    "boost",
    "strategy",
    "max_providers",
    "timeout_ms",
)
MAX_CONDITIONS_LENGTH = 4000
MAX_DESCRIPTION = 500
_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
_COLUMNS = (
    "id, name, description, priority, enabled, conditions, provider, boost, strategy,"
    " max_providers, timeout_ms"
)


def parse_rule_id(value: str, errors: Violations, field: str = "rule_id") -> int:
    """The numeric id of a rule, or 0 with a violation."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        errors.add(field, "is not a rule id such as 12")
        return 0
    return int(value)


def check_rule(
    rule: admin_service_pb2.RoutingRule, providers: Collection[str], prefix: str = "rule"
) -> dict[str, Any]:
    """The table's column values of ``rule``; InvalidRequest naming every bad field."""
    errors = Violations()
    if not _NAME.match(rule.name):
        errors.add(f"{prefix}.name", "must be 1 to 64 of a-z, 0-9 and _")
    check_text(rule.description, f"{prefix}.description", MAX_DESCRIPTION, errors)
    if not 0 <= rule.priority <= 1000:
        errors.add(f"{prefix}.priority", "must be between 0 and 1000")
    if rule.provider not in providers:
        errors.add(f"{prefix}.provider", f"{rule.provider[:40]!r} is not a known provider")
    if not rule.boost.is_integer() or not -100 <= rule.boost <= 100:
        errors.add(f"{prefix}.boost", "must be a whole number between -100 and 100")
    if rule.strategy and rule.strategy not in RULE_STRATEGIES:
        errors.add(f"{prefix}.strategy", f"must be empty or one of {', '.join(RULE_STRATEGIES)}")
    if not (rule.max_providers == 0 or 1 <= rule.max_providers <= 10):
        errors.add(f"{prefix}.max_providers", "must be 0 (no limit) or between 1 and 10")
    if not (rule.timeout_ms == 0 or 100 <= rule.timeout_ms <= 60000):
        errors.add(f"{prefix}.timeout_ms", "must be 0 (none) or between 100 and 60000")
    conditions = check_conditions(rule.conditions_json, f"{prefix}.conditions_json", errors)
    errors.raise_if_any()
    return {
        "name": rule.name,
        "description": rule.description,
        "priority": rule.priority,
        "enabled": rule.enabled,
        "conditions": conditions,
        "provider": rule.provider,
        "boost": int(rule.boost) if rule.boost.is_integer() else 0,
        "strategy": rule.strategy or None,
        "max_providers": rule.max_providers or None,
        "timeout_ms": rule.timeout_ms or None,
    }


def check_conditions(text: str, field: str, errors: Violations) -> dict[str, Any]:
    """A JSON object of known keys with valid values; {} when empty."""
    if not text.strip():
        return {}
    if len(text) > MAX_CONDITIONS_LENGTH:
        errors.add(field, f"at most {MAX_CONDITIONS_LENGTH} characters")
        return {}
    try:
        loaded = orjson.loads(text)
    except orjson.JSONDecodeError:
        errors.add(field, "is not valid JSON")
        return {}
    if not isinstance(loaded, dict):
        errors.add(field, 'must be a JSON object, such as {"category": "flights"}')
        return {}
    for key, value in loaded.items():
        if key in HOUR_KEYS:
            _check_hour(key, value, field, errors)
        elif key in CONDITION_VALUES:
            _check_words(key, value, CONDITION_VALUES[key], field, errors)
        else:
            known = ", ".join([*CONDITION_VALUES, *HOUR_KEYS])
            errors.add(field, f"{key[:40]!r} is not a condition; use {known}")
    return loaded


def _check_hour(key: str, value: object, field: str, errors: Violations) -> None:
    top = 23 if key == "hour_from" else 24
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top:
        errors.add(f"{field}.{key}", f"must be a whole hour between 0 and {top}")


def _check_words(
    key: str, value: object, allowed: frozenset[str], field: str, errors: Violations
) -> None:
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) and v in allowed for v in values):
        errors.add(f"{field}.{key}", f"must be one of, or a list of, {', '.join(sorted(allowed))}")


def merge_update(
    current: admin_service_pb2.RoutingRule, request: admin_service_pb2.UpdateRoutingRuleRequest
) -> admin_service_pb2.RoutingRule:
    """``current`` with the fields the request names taken from it; InvalidRequest otherwise."""
    errors = Violations()
    names = list(dict.fromkeys(request.update_fields))
    if not names:
        errors.add("update_fields", f"name at least one of {', '.join(UPDATABLE)}")
    for index, name in enumerate(names):
        if name not in UPDATABLE:
            errors.add(f"update_fields[{index}]", f"{name[:40]!r} is not one of {UPDATABLE}")
    errors.raise_if_any()
    merged = admin_service_pb2.RoutingRule()
    merged.CopyFrom(current)
    for name in names:
        setattr(merged, name, getattr(request.rule, name))
    return merged


async def list_rules(
    pool: asyncpg.Pool, page: Page
) -> tuple[list[admin_service_pb2.RoutingRule], str]:
    """A page of every rule, enabled or not, highest priority first."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM routing_rules ORDER BY priority DESC, name LIMIT $1 OFFSET $2",
        page.size + 1,
        page.offset,
    )
    return [rule_message(row) for row in rows[: page.size]], page.next_token(len(rows))


async def get_rule(pool: asyncpg.Pool, rule_id: int) -> admin_service_pb2.RoutingRule:
    """One rule; NotFound when there is no such id."""
    row = await pool.fetchrow(f"SELECT {_COLUMNS} FROM routing_rules WHERE id = $1", rule_id)
    if row is None:
        raise NotFound(f"no routing rule {rule_id}")
    return rule_message(row)


async def insert_rule(pool: asyncpg.Pool, columns: dict[str, Any]) -> admin_service_pb2.RoutingRule:
    """Store a new rule."""
    names = list(columns)
    placeholders = ", ".join(f"${index}" for index in range(1, len(names) + 1))
    row = await _write(
        pool,
        f"INSERT INTO routing_rules ({', '.join(names)}) VALUES ({placeholders})"
        f" RETURNING {_COLUMNS}",
        *columns.values(),
    )
    return rule_message(row)


async def replace_rule(
    pool: asyncpg.Pool, rule_id: int, columns: dict[str, Any]
) -> admin_service_pb2.RoutingRule:
    """Overwrite a rule's columns; NotFound when it went away meanwhile."""
    assignments = ", ".join(f"{name} = ${index}" for index, name in enumerate(columns, 2))
    row = await _write(
        pool,
        f"UPDATE routing_rules SET {assignments} WHERE id = $1 RETURNING {_COLUMNS}",
        rule_id,
        *columns.values(),
    )
    if row is None:
        raise NotFound(f"no routing rule {rule_id}")
    return rule_message(row)


async def delete_rule(pool: asyncpg.Pool, rule_id: int) -> None:
    """Remove a rule; NotFound when there is no such id."""
    deleted = await pool.fetchval("DELETE FROM routing_rules WHERE id = $1 RETURNING id", rule_id)
    if deleted is None:
        raise NotFound(f"no routing rule {rule_id}")


async def _write(pool: asyncpg.Pool, query: str, *values: Any) -> asyncpg.Record | None:
    """Run an insert or update; a taken name becomes a field violation."""
    try:
        return await pool.fetchrow(query, *values)
    except asyncpg.UniqueViolationError:
        errors = Violations()
        errors.add("rule.name", "another rule already has this name")
        errors.raise_if_any()
        raise


def rule_message(row: asyncpg.Record) -> admin_service_pb2.RoutingRule:
    """The API's view of a ``routing_rules`` row."""
    return admin_service_pb2.RoutingRule(
        rule_id=str(row["id"]),
        name=row["name"],
        description=row["description"],
        priority=row["priority"],
        enabled=row["enabled"],
        conditions_json=orjson.dumps(dict(row["conditions"]), option=orjson.OPT_SORT_KEYS).decode(),
        provider=row["provider"],
        boost=float(row["boost"]),
        strategy=row["strategy"] or "",
        max_providers=row["max_providers"] or 0,
        timeout_ms=row["timeout_ms"] or 0,
    )

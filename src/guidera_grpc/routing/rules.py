"""Which routing rules apply to a search, and what the matching ones impose on it.

A rule matches when every key of its conditions does:

- ``category``, ``region`` (the destination's), ``origin_region``, ``route_type``,
  ``traveler_type`` (the traveler's budget level: budget, mid_range, luxury) and
  ``travel_style`` compare with the context; the value is one string or a list of them,
  any of which may match;
- ``hour_from`` and ``hour_to`` bound the traveler's local hour, from included to excluded
  (0 and 24 when left out), wrapping past midnight when from is the later hour.

A key outside this list, or a value of the wrong type, makes the rule match nothing: a rule
an operator mistyped should do nothing rather than apply to every search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from guidera_grpc.routing.context import RoutingContext
from guidera_grpc.store.rules import RoutingRule

_HOUR_KEYS = frozenset({"hour_from", "hour_to"})
_FIELDS: dict[str, Callable[[RoutingContext], str | None]] = {
    "category": lambda c: c.category,
    "region": lambda c: c.destination_region,
    "origin_region": lambda c: c.origin_region,
    "route_type": lambda c: c.route_type,
    "traveler_type": lambda c: c.budget_level,
    "travel_style": lambda c: c.travel_style,
}


@dataclass(frozen=True, slots=True)
class RuleOverrides:
    """What matching rules impose on a search; each from the highest-priority rule setting it.

    ``rules`` names the rules that set something, in the order strategy, providers, timeout.
    """

    strategy: str | None = None
    max_providers: int | None = None
    timeout_ms: int | None = None
    rules: tuple[str, ...] = ()


def matching_rules(
    rules: Iterable[RoutingRule], context: RoutingContext
) -> tuple[RoutingRule, ...]:
    """The rules whose conditions all hold for ``context``, highest priority first."""
    matched = [rule for rule in rules if rule_matches(rule, context)]
    matched.sort(key=lambda rule: (-rule.priority, rule.name))
    return tuple(matched)


def rule_matches(rule: RoutingRule, context: RoutingContext) -> bool:
    """Whether every condition of ``rule`` holds for ``context``."""
    conditions = rule.conditions
    for key, wanted in conditions.items():
        if key in _HOUR_KEYS:
            continue
        read = _FIELDS.get(key)
        if read is None or not _value_matches(read(context), wanted):
            return False
    if _HOUR_KEYS & conditions.keys():
        return _hour_matches(context.local_hour, conditions)
    return True


def overrides_of(matched: Iterable[RoutingRule]) -> RuleOverrides:
    """The strategy, number of providers and timeout that ``matched`` rules impose.

    ``matched`` must be ordered highest priority first, as matching_rules returns it.
    """
    ordered = tuple(matched)
    strategy_rule = next((r for r in ordered if r.strategy), None)
    providers_rule = next((r for r in ordered if r.max_providers), None)
    timeout_rule = next((r for r in ordered if r.timeout_ms), None)
    sources = (strategy_rule, providers_rule, timeout_rule)

    return RuleOverrides(
        strategy=strategy_rule.strategy if strategy_rule else None,
        max_providers=providers_rule.max_providers if providers_rule else None,
        timeout_ms=timeout_rule.timeout_ms if timeout_rule else None,
        rules=tuple(dict.fromkeys(r.name for r in sources if r is not None)),
    )


def _value_matches(actual: str | None, wanted: Any) -> bool:
    if actual is None:
        return False
    if isinstance(wanted, str):
        return actual == wanted
    if isinstance(wanted, list):
        return actual in wanted
    return False


def _hour_matches(hour: int | None, conditions: Mapping[str, Any]) -> bool:
    start, end = conditions.get("hour_from", 0), conditions.get("hour_to", 24)
    if hour is None or not _is_hour(start) or not _is_hour(end):
        return False
    if start <= end:
        return bool(start <= hour < end)
    return bool(hour >= start or hour < end)


def _is_hour(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24

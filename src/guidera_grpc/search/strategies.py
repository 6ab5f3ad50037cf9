"""How a search calls its providers: the basic strategies and the named configurations.

    parallel     every selected provider at once; a failure brings in the next provider of
                 the fallback chain while time remains
    sequential   one after another, each with the time left, every answer streamed
    waterfall    one at a time, stopping at the first that answers with enough results;
                 a failure or a thin answer moves on to the next (the chain continues it)

``max_providers`` caps the providers asked at first (None: MAX_CONCURRENT_PROVIDERS);
``min_results`` asks for more providers from the fallback chain when the selected ones
together found fewer offers. ``wait_for_all`` set on a strategy overrides the request's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

Mode = Literal["parallel", "sequential", "waterfall"]

#: "Every eligible provider".
ALL = 1000
Pick = Literal["score", "fastest", "cheapest"]


@dataclass(frozen=True, slots=True)
class Strategy:
    """One way of running a search."""

    name: str
    mode: Mode = "parallel"
    max_providers: int | None = None
    timeout_s: float | None = None
    wait_for_all: bool | None = None
    min_results: int = 0
    pick: Pick = "score"


STRATEGIES: dict[str, Strategy] = {
    s.name: s
    for s in (
        Strategy("single_fastest", max_providers=1, pick="fastest"),
        Strategy("single_cheapest", max_providers=1, pick="cheapest"),
        Strategy("parallel_top_3", max_providers=3),
        Strategy("parallel_all", max_providers=ALL),
        Strategy("sequential", mode="sequential", max_providers=ALL),
        Strategy("waterfall", mode="waterfall", max_providers=ALL, min_results=1),
        Strategy("quick_search", max_providers=1, timeout_s=5.0),
        Strategy("price_comparison", timeout_s=8.0, wait_for_all=False),
        Strategy(
            "comprehensive", max_providers=5, timeout_s=10.0, wait_for_all=True, min_results=3
        ),
        Strategy("booking", mode="waterfall", max_providers=3, timeout_s=30.0, min_results=1),
    )
}

DEFAULT_STRATEGY = "price_comparison"


class ProviderSpeedAndCost(Protocol):
    """What ordering by speed or cost reads of a provider."""

    @property
    def avg_latency_ms(self) -> int: ...
    @property
    def cost_per_search(self) -> Decimal: ...


def pick_order(
    eligible: Sequence[str], profiles: Mapping[str, ProviderSpeedAndCost], pick: Pick
) -> list[str]:
    """The eligible providers (best score first) reordered for a strategy's pick; the sort is
    stable, so score decides among equals."""
    if pick == "fastest":
        return sorted(eligible, key=lambda code: profiles[code].avg_latency_ms)
    if pick == "cheapest":
        return sorted(eligible, key=lambda code: profiles[code].cost_per_search)
    return list(eligible)


def strategy_named(name: str) -> Strategy:
    """The strategy of that name; the default for an empty name."""
    return STRATEGIES[name or DEFAULT_STRATEGY]

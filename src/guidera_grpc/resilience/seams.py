"""What the resilience layer and the operations layer tell each other about upstream calls.

The guard (resilience) wraps every upstream call; for each attempt it reports a CallRecord
to a CallObserver (operations: call log, costs, health metrics) and asks a BudgetGate whether
the call may go out at all. Both sides are replaceable: tests and replicas wire their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, Protocol

RequestType = Literal["search", "price", "book", "hold", "cancel", "retrieve", "health_check"]
CallStatus = Literal["success", "error", "timeout", "rate_limited", "circuit_open", "cancelled"]


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One attempt of one upstream call, as the call log keeps it (no secrets, no travelers)."""

    provider: str
    category: str
    request_type: RequestType
    status: CallStatus
    started_at: dt.datetime
    duration_ms: float
    request_id: str = ""
    session_id: str = ""
    endpoint: str = ""
    http_status: int | None = None
    error_code: str = ""
    attempt: int = 1
    result_count: int = 0
    routing_score: float | None = None
    is_fallback: bool = False
    fallback_from: str = ""
    request_summary: dict[str, object] = field(default_factory=dict)
    response_summary: dict[str, object] = field(default_factory=dict)
    #: False when the guard refused the call before sending it (an open circuit, a cooldown,
    #: our own rate limit): nothing reached the supplier, so health and costs skip the record.
    sent: bool = True
    #: The most this process's event loop was late while the call ran: a timeout under a
    #: late loop is ours as much as the supplier's.
    loop_lag_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class CallContext:
    """What the caller knows about a call, copied into each of its CallRecords."""

    request_id: str = ""
    session_id: str = ""
    endpoint: str = ""
    routing_score: float | None = None
    is_fallback: bool = False
    fallback_from: str = ""
    request_summary: dict[str, object] = field(default_factory=dict)


class CallObserver(Protocol):
    """Receives every attempt; must return at once (work happens off the request path)."""

    def observe(self, record: CallRecord) -> None: ...


class BudgetGate(Protocol):
    """Says whether a call may be sent given the money already spent."""

    def refusal(self, provider: str, request_type: RequestType) -> str | None:
        """None when the call may go; otherwise why not (for the stream and the logs)."""
        ...

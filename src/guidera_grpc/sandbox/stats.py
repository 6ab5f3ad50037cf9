"""What the sandbox has seen: counters per supplier and endpoint, and an ordered request log.

Tests read these to assert that a request was made, in which order, how it ended (answered,
faulted, abandoned by a client that closed the connection first, or aborted: the sandbox itself
closed the connection before a whole answer was sent). A request ends once: what happens to it
after that is not counted again.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["pending", "completed", "disconnected", "aborted"]
Fault = Literal["latency", "error", "rate_429", "timeout", "malformed", "truncate", "drip", "reset"]
MAX_LOGGED_REQUESTS = 10_000


@dataclass(slots=True)
class RequestRecord:
    """One request as it arrived and, once known, how it ended."""

    seq: int
    supplier: str
    method: str
    path: str
    endpoint: str
    received_at: float
    outcome: Outcome = "pending"
    status: int | None = None
    fault: Fault | None = None
    finished_at: float | None = None

    def to_json(self) -> dict[str, object]:
        """The record as the control endpoint shows it."""
        return {
            "seq": self.seq,
            "supplier": self.supplier,
            "method": self.method,
            "path": self.path,
            "endpoint": self.endpoint,
            "time": self.received_at,
            "outcome": self.outcome,
            "status": self.status,
            "fault": self.fault,
            "finished_at": self.finished_at,
        }


@dataclass(slots=True)
class SupplierCounters:
    """Counters of one supplier; endpoint keys read ``"METHOD /path"``."""

    received: Counter[str] = field(default_factory=Counter)
    completed: Counter[str] = field(default_factory=Counter)
    disconnected: Counter[str] = field(default_factory=Counter)
    aborted: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, object]:
        """Totals and per-endpoint counts."""
        return {
            "received": sum(self.received.values()),
            "completed": sum(self.completed.values()),
            "disconnected": sum(self.disconnected.values()),
            "aborted": sum(self.aborted.values()),
            "endpoints": {
                endpoint: {
                    "received": self.received[endpoint],
                    "completed": self.completed[endpoint],
                    "disconnected": self.disconnected[endpoint],
                    "aborted": self.aborted[endpoint],
                }
                for endpoint in sorted(self.received)
            },
            "statuses": dict(sorted(self.statuses.items())),
            "faults": dict(sorted(self.faults.items())),
        }


class Stats:
    """Counters and request log of a running sandbox."""

    def __init__(self, suppliers: tuple[str, ...]) -> None:
        self._suppliers = suppliers
        self._counters = {code: SupplierCounters() for code in suppliers}
        self._log: deque[RequestRecord] = deque(maxlen=MAX_LOGGED_REQUESTS)
        self._seq = 0

    def received(self, supplier: str, method: str, path: str, endpoint: str) -> RequestRecord:
        """Count a request that has just arrived and log it."""
        self._seq += 1
        record = RequestRecord(self._seq, supplier, method, path, endpoint, time.time())
        self._counters[supplier].received[endpoint] += 1
        self._log.append(record)
        return record

    def faulted(self, record: RequestRecord, fault: Fault) -> None:
        """Note that a knob made this request slow, fail, hang, or spoiled its answer."""
        record.fault = fault
        self._counters[record.supplier].faults[fault] += 1

    def completed(self, record: RequestRecord, status: int) -> None:
        """Count a request answered with ``status``."""
        if record.outcome != "pending":
            return
        record.outcome, record.status, record.finished_at = "completed", status, time.time()
        counters = self._counters[record.supplier]
        counters.completed[record.endpoint] += 1
        counters.statuses[str(status)] += 1

    def disconnected(self, record: RequestRecord) -> None:
        """Count a request whose client went away before the answer was sent."""
        if record.outcome != "pending":
            return
        record.outcome, record.finished_at = "disconnected", time.time()
        self._counters[record.supplier].disconnected[record.endpoint] += 1

    def aborted(self, record: RequestRecord, status: int | None) -> None:
        """Count a request whose connection the sandbox closed before a whole answer was sent;
        ``status`` is the one already sent, None when nothing was."""
        if record.outcome != "pending":
            return
        record.outcome, record.status, record.finished_at = "aborted", status, time.time()
        self._counters[record.supplier].aborted[record.endpoint] += 1

    def counters(self, supplier: str) -> SupplierCounters:
        """The live counters of one supplier."""
        return self._counters[supplier]

    def requests(self, supplier: str | None = None) -> list[RequestRecord]:
        """Logged requests in arrival order, optionally of one supplier."""
        return [record for record in self._log if supplier in (None, record.supplier)]

    def snapshot(self) -> dict[str, object]:
        """Every supplier's counters, as the control endpoint shows them."""
        return {code: self._counters[code].to_json() for code in self._suppliers}

    def clear(self) -> None:
        """Forget everything counted and logged."""
        self._counters = {code: SupplierCounters() for code in self._suppliers}
        self._log.clear()

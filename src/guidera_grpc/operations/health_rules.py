"""The health rules: a provider's score and status from its recent calls. Pure functions.

Score (0 to 100). The success share of the calls of the last hour, shrunk towards 50 by five
imaginary calls (half of them good): ``100 × (successes + 2.5) / (calls + 5)``. With no data it
is 50, as the design asks, and a handful of calls cannot swing it to 0 or 100; with hundreds of
calls it is the plain share. A slow provider loses points even when it answers: when the
median of its latest 20 successful calls (at least 5) exceeds 3 × its expected latency, the
score drops by 30 points, plus 10 for each further multiple, at most 50.

Status, checked in this order (the score counts only once the hour holds 10 calls, so that a
provider with little traffic is judged by its failures in a row, not by the prior):

- ``disabled`` after 10 consecutive failures, or a score under 30 (routing also skips a
  provider under 30). Only the recovery job brings a disabled provider back;
- ``degraded`` after 3 consecutive failures, a score under 70, or when slow;
- a degraded provider turns ``active`` again once its score reaches 80 and it is neither slow
  nor failing (a gap between 70 and 80, so that it does not flap);
- otherwise ``active``.

High error rate: at least 20 calls in the last 5 minutes, at least half of them failed.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from guidera_grpc.resilience.seams import CallRecord

Status = Literal["active", "degraded", "disabled"]

SCORE_WINDOW_S = 3600.0
LATENCY_WINDOW_S = 300.0
NO_DATA_SCORE = 50.0
PRIOR_CALLS = 5.0
RECENT_SUCCESSES = 20
MIN_SLOW_SAMPLES = 5
SLOW_FACTOR = 3.0
#: A timeout counts against a supplier only while our loop was late by less than this share
#: of the call's duration.
LOCAL_LAG_SHARE = 0.25
SLOW_PENALTY = 30.0
SLOW_PENALTY_STEP = 10.0
MAX_SLOW_PENALTY = 50.0
DISABLE_BELOW = 30.0
DEGRADE_BELOW = 70.0
RESTORE_AT = 80.0
MIN_CALLS_FOR_SCORE = 10
DEGRADE_AFTER_FAILURES = 3
DISABLE_AFTER_FAILURES = 10
ERROR_RATE_WINDOW_S = 300.0
ERROR_RATE_MIN_CALLS = 20
HIGH_ERROR_RATE = 0.5

#: 4xx answers that say something is wrong on our side of the supplier, or with the supplier.
_UNHEALTHY_4XX = frozenset({401, 403, 407, 408})


@dataclass(frozen=True, slots=True)
class Sample:
    """One call as health sees it: when (epoch seconds), whether it went well, how long."""

    at: float
    ok: bool
    latency_ms: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """A provider's health after its latest calls."""

    score: float
    status: Status
    reason: str
    slow: bool
    avg_latency_ms: int | None
    p50_ms: int | None
    p95_ms: int | None


def outcome(record: CallRecord) -> bool | None:
    """True for a call that shows the supplier healthy, False for a failure, None to ignore.

    A supplier's refusal of the request itself (a 4xx, say no availability) shows it healthy;
    authentication failures and timeouts do not, unless this process's own event loop was
    far behind while the call waited. Calls we never made (an open circuit, a rate
    limit: ``sent`` is False), cancelled ones and the recovery job's probes say nothing about
    health here.
    """
    if not record.sent or record.request_type == "health_check":
        return None
    if record.status == "success":
        return True
    if record.status == "timeout":
        # A loop that fell behind by a quarter of the wait or more may have held the answer
        # back itself: that timeout is not held against the supplier.
        return None if record.loop_lag_ms >= LOCAL_LAG_SHARE * record.duration_ms else False
    if record.status != "error":
        return None
    status = record.http_status
    return status is not None and 400 <= status < 500 and status not in _UNHEALTHY_4XX


def judge(
    samples: Sequence[Sample],
    *,
    now: float,
    expected_latency_ms: int,
    current: Status,
    consecutive_failures: int,
) -> Verdict:
    """Score ``samples`` (oldest first) and decide the status that follows ``current``."""
    recent = [s for s in samples if s.at >= now - SCORE_WINDOW_S]
    penalty = slow_penalty(recent, expected_latency_ms)
    score = max(success_score(recent) - penalty, 0.0)
    status, reason = next_status(
        current, score, consecutive_failures, slow=penalty > 0, calls=len(recent)
    )
    latencies = [s.latency_ms for s in recent if s.ok and s.at >= now - LATENCY_WINDOW_S]
    return Verdict(
        score=round(score, 2),
        status=status,
        reason=reason,
        slow=penalty > 0,
        avg_latency_ms=round(statistics.fmean(latencies)) if latencies else None,
        p50_ms=_percentile(latencies, 0.50),
        p95_ms=_percentile(latencies, 0.95),
    )


def success_score(samples: Sequence[Sample]) -> float:
    """The success share of ``samples`` as 0-100, shrunk towards 50 (50 with no samples)."""
    successes = sum(1 for s in samples if s.ok)
    return 100.0 * (successes + PRIOR_CALLS / 2) / (len(samples) + PRIOR_CALLS)


def slow_penalty(samples: Sequence[Sample], expected_latency_ms: int) -> float:
    """Points taken off a provider whose latest successful calls are far over expectation."""
    latest = [s.latency_ms for s in samples if s.ok][-RECENT_SUCCESSES:]
    if len(latest) < MIN_SLOW_SAMPLES or expected_latency_ms <= 0:
        return 0.0
    ratio = statistics.median(latest) / expected_latency_ms
    if ratio <= SLOW_FACTOR:
        return 0.0
    return min(SLOW_PENALTY + SLOW_PENALTY_STEP * (ratio - SLOW_FACTOR), MAX_SLOW_PENALTY)


def next_status(
    current: Status, score: float, consecutive_failures: int, *, slow: bool, calls: int
) -> tuple[Status, str]:
    """The status after ``current`` given the latest figures, and the reason for it."""
    scored = calls >= MIN_CALLS_FOR_SCORE
    if consecutive_failures >= DISABLE_AFTER_FAILURES:
        return "disabled", f"{consecutive_failures} consecutive failures"
    if scored and score < DISABLE_BELOW:
        return "disabled", f"health {score:.0f} under {DISABLE_BELOW:.0f}"
    if current == "disabled":
        return "disabled", "waiting for the recovery checks"
    if consecutive_failures >= DEGRADE_AFTER_FAILURES:
        return "degraded", f"{consecutive_failures} consecutive failures"
    if slow:
        return "degraded", f"latency over {SLOW_FACTOR:g}x the expected"
    if scored and score < DEGRADE_BELOW:
        return "degraded", f"health {score:.0f} under {DEGRADE_BELOW:.0f}"
    if current == "degraded" and (not scored or score < RESTORE_AT):
        return "degraded", f"health {score:.0f} not yet {RESTORE_AT:.0f} over {calls} calls"
    return "active", "healthy"


def error_rate(samples: Sequence[Sample], *, now: float) -> float | None:
    """Failed share of the last five minutes' calls; None with too few calls to tell."""
    recent = [s for s in samples if s.at >= now - ERROR_RATE_WINDOW_S]
    if len(recent) < ERROR_RATE_MIN_CALLS:
        return None
    return sum(1 for s in recent if not s.ok) / len(recent)


def _percentile(values: Sequence[float], share: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(round(share * (len(ordered) - 1)), len(ordered) - 1)
    return round(ordered[index])

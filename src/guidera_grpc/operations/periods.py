"""Budget periods: the UTC day and the UTC month a moment falls in, and when they end.

Costs are booked to the day and the month of the call's start in UTC, so every replica, whatever
its local time zone, adds to the same rows of ``provider_costs``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

PeriodType = Literal["day", "month"]


def utc_now() -> dt.datetime:
    """The current moment, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def period_start(kind: PeriodType, moment: dt.datetime) -> dt.date:
    """The first day of the period of ``kind`` that contains ``moment`` (read in UTC)."""
    day = moment.astimezone(dt.UTC).date()
    return day if kind == "day" else day.replace(day=1)


def next_period_start(kind: PeriodType, moment: dt.datetime) -> dt.datetime:
    """The instant (UTC midnight) at which the period containing ``moment`` ends."""
    start = period_start(kind, moment)
    if kind == "day":
        following = start + dt.timedelta(days=1)
    elif start.month == 12:
        following = start.replace(year=start.year + 1, month=1)
    else:
        following = start.replace(month=start.month + 1)
    return dt.datetime.combine(following, dt.time(), tzinfo=dt.UTC)


def seconds_until_rollover(kind: PeriodType, moment: dt.datetime) -> float:
    """Seconds from ``moment`` until a new period of ``kind`` begins (always above zero)."""
    return max((next_period_start(kind, moment) - moment).total_seconds(), 1.0)

"""The operations layer wired together, for the runtime to start, feed and close.

One :class:`Operations` holds the registry figures, the call log, the spend, the budget, the
health monitor, the alerts and (when the runtime supplies a probe) the recovery job. It is the
CallObserver the guard reports to (``observe`` hands each record to the call log, the spend and
the health monitor, none of which waits) and its ``budget`` is the BudgetGate. Background jobs:

| job | every | notes |
| --- | --- | --- |
| registry figures | ``registry_s`` (5 s) | prices, expected latency, per-provider budgets |
| costs | ``costs_s`` (1 s) | upsert provider_costs, read totals, evaluate the budget |
| health | ``health_s`` (2 s) | counters, scores, statuses, alerts |
| recovery | ``GUIDERA_RECOVERY_INTERVAL_S`` | one replica, advisory lock |
| retention | ``retention_s`` (1 h) | one replica, advisory lock |
| call log | ``call_log_s`` (1 s) or a full batch | COPY into provider_logs |
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from guidera_grpc.config import Settings
from guidera_grpc.operations.alerts import AlertCenter, Notifier
from guidera_grpc.operations.budget import Budget
from guidera_grpc.operations.calllog import CallLog
from guidera_grpc.operations.costs import Spending
from guidera_grpc.operations.figures import Registry
from guidera_grpc.operations.health import HealthMonitor
from guidera_grpc.operations.jobs import GAP_SHARE, Periodic, once_across_replicas
from guidera_grpc.operations.notify_email import EmailNotifier
from guidera_grpc.operations.notify_slack import SlackNotifier
from guidera_grpc.operations.recovery import Probe, RecoveryJob
from guidera_grpc.operations.retention import purge_old_rows
from guidera_grpc.resilience.seams import CallRecord

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timings:
    """How often the background jobs run, in seconds (tests shorten them)."""

    registry_s: float = 5.0
    costs_s: float = 1.0
    health_s: float = 2.0
    retention_s: float = 3600.0
    call_log_s: float = 1.0
    close_grace_s: float = 10.0


def notifiers_from(settings: Settings) -> list[Notifier]:
    """The notifiers the settings ask for: Slack when SLACK_WEBHOOK is set, mail when both
    ALERT_EMAIL and GUIDERA_SMTP_HOST are."""
    notifiers: list[Notifier] = []
    if settings.slack_webhook is not None:
        notifiers.append(SlackNotifier(settings.slack_webhook.get_secret_value()))
    recipients = settings.alert_recipients()
    if recipients and settings.smtp_host:
        password = settings.smtp_password
        notifiers.append(
            EmailNotifier(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                recipients,
                user=settings.smtp_user,
                password=password.get_secret_value() if password else None,
                starttls=settings.smtp_starttls,
            )
        )
    return notifiers


class Operations:
    """Call log, costs, budget, health, recovery and alerts behind one observer."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: Settings,
        *,
        probe: Probe | None = None,
        notifiers: Sequence[Notifier] | None = None,
        timings: Timings = Timings(),
    ) -> None:
        self._pool = pool
        self.settings = settings
        self.timings = timings
        self.registry = Registry(pool)
        chosen = notifiers_from(settings) if notifiers is None else notifiers
        self.alerts = AlertCenter(pool, chosen)
        self.call_log = CallLog(
            pool,
            flush_interval_s=timings.call_log_s,
            registry=self.registry,
            keep_payloads=settings.log_payloads,
        )
        self.spending = Spending(pool, self.registry)
        self.budget = Budget(
            self.spending,
            self.registry,
            self.alerts,
            daily_limit=settings.daily_budget,
            monthly_limit=settings.monthly_budget,
        )
        self.health = HealthMonitor(pool, self.alerts)
        self.recovery = None if probe is None else RecoveryJob(pool, self.alerts, probe)
        self._jobs = self._make_jobs()

    def observe(self, record: CallRecord) -> None:
        """Hand ``record`` to the call log, the spend and the health monitor; never raises."""
        for observer in (self.call_log, self.spending, self.health):
            try:
                observer.observe(record)
            except Exception:
                _log.exception("an observer failed on a call record")

    async def start(self) -> None:
        """Read the registry figures and the spend so far, then start every background job."""
        await self.registry.refresh()
        await self.spending.sync()
        self.budget.evaluate()
        self.alerts.start()
        self.call_log.start()
        for job in self._jobs:
            job.start()

    async def close(self) -> None:
        """Stop the jobs, then write what is left: calls, costs, health, alerts, in that order."""
        grace = self.timings.close_grace_s
        await asyncio.gather(*(job.stop(grace) for job in self._jobs))
        await self.call_log.close(grace_s=grace)
        for name, final in (("costs", self._sync_costs), ("health", self.health.sync)):
            try:
                await final()
            except Exception:
                _log.exception("final %s write failed", name)
        await self.alerts.close(grace_s=grace)

    async def _sync_costs(self) -> None:
        await self.spending.sync()
        self.budget.evaluate()

    async def _purge(self) -> None:
        days = self.settings.log_retention_days
        await once_across_replicas(
            self._pool,
            "retention",
            lambda: purge_old_rows(self._pool, days),
            min_gap_s=self.timings.retention_s * GAP_SHARE,
        )

    def _make_jobs(self) -> list[Periodic]:
        timings = self.timings
        jobs = [
            Periodic("registry", timings.registry_s, self.registry.refresh),
            Periodic("costs", timings.costs_s, self._sync_costs),
            Periodic("health", timings.health_s, self.health.sync),
            Periodic("retention", timings.retention_s, self._purge, first_delay_s=60.0),
        ]
        if self.recovery is not None:
            recovery = self.recovery
            interval = self.settings.recovery_interval_s
            gap = interval * GAP_SHARE
            jobs.append(Periodic("recovery", interval, lambda: recovery.run_once(min_gap_s=gap)))
        return jobs

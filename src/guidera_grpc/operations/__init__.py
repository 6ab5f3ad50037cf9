"""Accountability of upstream calls: the call log, costs and budgets, health, alerts.

The runtime builds one :class:`Operations` on the store's pool: it is the CallObserver of the
resilience layer and holds the BudgetGate (``operations.budget``). The parts can also be used
alone: :class:`CallLog`, :class:`Spending` and :class:`Budget`, :class:`HealthMonitor`,
:class:`RecoveryJob`, :class:`AlertCenter` with its notifiers, :func:`purge_old_rows`.
"""

from guidera_grpc.operations.alerts import Alert, AlertCenter, Notifier
from guidera_grpc.operations.budget import Budget, BudgetState, PeriodSpend
from guidera_grpc.operations.calllog import CallLog
from guidera_grpc.operations.costs import Spending
from guidera_grpc.operations.figures import Registry
from guidera_grpc.operations.health import HealthMonitor
from guidera_grpc.operations.notify_email import EmailNotifier
from guidera_grpc.operations.notify_slack import SlackNotifier
from guidera_grpc.operations.recovery import Probe, RecoveryJob
from guidera_grpc.operations.retention import PurgeResult, purge_old_rows
from guidera_grpc.operations.service import Operations, Timings, notifiers_from

__all__ = [
    "Alert",
    "AlertCenter",
    "Budget",
    "BudgetState",
    "CallLog",
    "EmailNotifier",
    "HealthMonitor",
    "Notifier",
    "Operations",
    "PeriodSpend",
    "Probe",
    "PurgeResult",
    "RecoveryJob",
    "Registry",
    "SlackNotifier",
    "Spending",
    "Timings",
    "notifiers_from",
    "purge_old_rows",
]

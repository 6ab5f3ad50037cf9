"""The service's own errors, raised below the API layer and mapped to gRPC status once.

GuideraError
├── InvalidRequest       a request field is wrong; carries every field violation
├── NotReady             the service is starting or stopping
├── NoProviderAvailable  no provider can serve the request now
├── BudgetExhausted      the money for live searches is spent until the period ends
├── NotFound             what the request names does not exist (or no longer)
└── NotSupported         the request asks for something this service does not do
"""

from __future__ import annotations

from dataclasses import dataclass


class GuideraError(Exception):
    """Base of the service's errors; ``reason`` is a stable UPPER_SNAKE word for ErrorInfo."""

    reason = "INTERNAL"


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One bad field: its path in the request (``flights.slices[0].origin``) and why."""

    field: str
    description: str


class InvalidRequest(GuideraError):
    """One or more request fields are invalid."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, violations: list[FieldViolation]) -> None:
        fields = ", ".join(v.field for v in violations[:5])
        more = f" and {len(violations) - 5} more" if len(violations) > 5 else ""
        super().__init__(f"invalid request: {fields}{more}")
        self.violations = violations


class NotReady(GuideraError):
    """The service cannot answer yet (starting) or any more (shutting down)."""

    reason = "NOT_READY"


class NoProviderAvailable(GuideraError):
    """Routing found no provider that can serve the request."""

    reason = "NO_PROVIDER_AVAILABLE"

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class BudgetExhausted(GuideraError):
    """The daily or monthly budget is spent: live searches wait for the next period."""

    reason = "BUDGET_EXHAUSTED"

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotFound(GuideraError):
    """The request names something unknown or expired."""

    reason = "NOT_FOUND"


class NotSupported(GuideraError):
    """The request is well formed but asks for something not offered."""

    reason = "NOT_SUPPORTED"

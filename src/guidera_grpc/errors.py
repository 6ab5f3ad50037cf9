"""The service's own errors, raised below the API layer and mapped to gRPC status once.

GuideraError
├── Unauthenticated      no API key, or one that is unknown, wrong or revoked
├── PermissionDenied     the key is good but lacks the role the RPC needs
├── InvalidRequest       a request field is wrong; carries every field violation
├── NotReady             the service is starting or stopping
│   └── SharedCacheUnavailable  Redis did not answer a purge or a read
├── NoProviderAvailable  no provider can serve the request now
├── BudgetExhausted      the money for live searches is spent until the period ends
├── NotFound             what the request names does not exist (or no longer)
├── PreconditionFailed   the world changed: a new price, a sold-out offer
├── KeyConflict          an idempotency key already used for another request
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


class Unauthenticated(GuideraError):
    """The caller did not prove who it is: no key, or a key that does not work."""

    reason = "UNAUTHENTICATED"


class PermissionDenied(GuideraError):
    """The caller is known but its key lacks the role the RPC needs."""

    reason = "PERMISSION_DENIED"


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


class SharedCacheUnavailable(NotReady):
    """The shared cache (Redis) did not answer: a purge was not carried out (cached answers
    may remain), or a stored page or offer could not be read."""

    reason = "CACHE_UNAVAILABLE"


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


class Overloaded(GuideraError):
    """This replica already runs as many searches as it may: shed, to keep the rest fast."""

    reason = "OVERLOADED"

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotFound(GuideraError):
    """The request names something unknown or expired."""

    reason = "NOT_FOUND"


class PreconditionFailed(GuideraError):
    """The request cannot go on as sent: the price changed, or the offer is gone.

    ``reason`` is a stable word (PRICE_CHANGED, OFFER_UNAVAILABLE); ``metadata`` carries what
    the client needs to decide, such as the new price.
    """

    def __init__(self, reason: str, message: str, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.metadata = metadata or {}


class KeyConflict(GuideraError):
    """The idempotency key was already used for a different request."""

    reason = "IDEMPOTENCY_KEY_REUSED"


class NotSupported(GuideraError):
    """The request is well formed but asks for something not offered."""

    reason = "NOT_SUPPORTED"

"""The errors an adapter raises: every supplier's failure is translated into one of these.

    ProviderError
    ├── AuthenticationError      credentials refused (after one token refresh, where any)
    ├── RateLimitedError         the supplier said 429; ``retry_after`` in seconds when given
    │   └── QuotaExceededError   a quota (such as a monthly one) is used up: not retryable
    ├── InvalidRequestError      the supplier refused our request as malformed
    ├── UpstreamError            the supplier failed (5xx or an error body)
    ├── MalformedResponseError   the answer could not be read
    ├── ProviderTimeoutError     no answer within the time given
    └── ProviderUnavailableError the connection failed or was reset

Each carries a stable ``code`` (UPPER_SNAKE) used in stream events and logs, and whether a
retry might succeed. Messages never contain credentials or traveler data.
"""

from __future__ import annotations


class ProviderError(Exception):
    """A supplier call that did not produce a usable answer."""

    code = "PROVIDER_ERROR"
    retryable = False

    def __init__(self, provider: str, message: str, *, http_status: int | None = None) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message
        self.http_status = http_status


class AuthenticationError(ProviderError):
    """The supplier refused our credentials."""

    code = "AUTHENTICATION"


class RateLimitedError(ProviderError):
    """The supplier asked us to slow down."""

    code = "RATE_LIMITED"
    retryable = True

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        http_status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(provider, message, http_status=http_status)
        self.retry_after = retry_after


class QuotaExceededError(RateLimitedError):
    """The supplier's quota is used up; waiting seconds will not help (Amadeus 38195)."""

    code = "QUOTA_EXCEEDED"
    retryable = False


class InvalidRequestError(ProviderError):
    """The supplier says the request we sent is invalid."""

    code = "INVALID_REQUEST"


class UpstreamError(ProviderError):
    """The supplier answered with a server-side failure."""

    code = "UPSTREAM_ERROR"
    retryable = True


class MalformedResponseError(ProviderError):
    """The supplier's answer could not be parsed into the unified model."""

    code = "MALFORMED_RESPONSE"


class ProviderTimeoutError(ProviderError):
    """The supplier did not answer within the time given."""

    code = "TIMEOUT"
    retryable = True


class ProviderUnavailableError(ProviderError):
    """The connection to the supplier failed."""

    code = "UNAVAILABLE"
    retryable = True

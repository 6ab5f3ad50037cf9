"""Protection of suppliers and of the service: circuits, retries, rate limits, cooldowns.

``ProviderGuard`` is the whole of it for callers: ``blocked`` for routing, ``call`` around
every upstream call, ``close`` at shutdown. A refused call raises ``ProviderBlocked``.
"""

from guidera_grpc.resilience.breaker import BreakerPolicy, CircuitChange
from guidera_grpc.resilience.errors import Block, ProviderBlocked
from guidera_grpc.resilience.guard import ProviderGuard, blocked_providers
from guidera_grpc.resilience.rate_limits import limits_from_profiles
from guidera_grpc.resilience.retry import RetryPolicy, is_retryable
from guidera_grpc.resilience.seams import CallContext, CallRecord

__all__ = [
    "Block",
    "BreakerPolicy",
    "CallContext",
    "CallRecord",
    "CircuitChange",
    "ProviderBlocked",
    "ProviderGuard",
    "RetryPolicy",
    "blocked_providers",
    "is_retryable",
    "limits_from_profiles",
]

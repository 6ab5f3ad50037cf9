"""Circuit breakers as operators see and steer them: every provider's, reset or forced open."""

from __future__ import annotations

from collections.abc import Iterable

from guidera.v1 import admin_service_pb2

from guidera_grpc.admin.summaries import circuit_name
from guidera_grpc.resilience import ProviderGuard


def list_circuits(
    guard: ProviderGuard, providers: Iterable[str]
) -> admin_service_pb2.ListCircuitsResponse:
    """The circuit of every registry provider (closed until first used), by code."""
    states = guard.circuit_states()
    codes = sorted(set(providers) | set(states))
    return admin_service_pb2.ListCircuitsResponse(
        circuits=[
            admin_service_pb2.Circuit(
                provider=code, circuit_state=circuit_name(states.get(code, "closed"))
            )
            for code in codes
        ]
    )


def reset(guard: ProviderGuard, provider: str) -> str:
    """Close the provider's circuit; its state after."""
    circuit = guard.circuit(provider)
    circuit.reset()
    return circuit_name(circuit.state)


def force_open(guard: ProviderGuard, provider: str) -> str:
    """Open the provider's circuit for its open period; its state after."""
    circuit = guard.circuit(provider)
    circuit.force_open()
    return circuit_name(circuit.state)

"""Typed search parameters: what validation produces and what adapters consume."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from guidera.v1 import common_pb2


@dataclass(frozen=True, slots=True)
class SliceSpec:
    """One journey of a flight search, with codes already checked against reference data."""

    origin: str
    destination: str
    departure_date: dt.date


@dataclass(frozen=True, slots=True)
class FlightSearch:
    """A validated flight search."""

    slices: tuple[SliceSpec, ...]
    adults: int
    child_ages: tuple[int, ...] = ()
    infants: int = 0
    cabin: common_pb2.Cabin.ValueType = common_pb2.CABIN_ECONOMY
    max_connections: int | None = None
    currency: str = "EUR"

    @property
    def is_round_trip(self) -> bool:
        """Two slices where the second comes back to where the first started."""
        return (
            len(self.slices) == 2
            and self.slices[0].origin == self.slices[1].destination
            and self.slices[0].destination == self.slices[1].origin
        )

    @property
    def travelers_total(self) -> int:
        """Every traveler, infants on a lap included."""
        return self.adults + len(self.child_ages) + self.infants

    def to_json(self) -> dict[str, object]:
        """The parameters as plain JSON, for the session log and cache keys."""
        return {
            "slices": [
                {
                    "origin": s.origin,
                    "destination": s.destination,
                    "departure_date": s.departure_date.isoformat(),
                }
                for s in self.slices
            ],
            "adults": self.adults,
            "child_ages": list(self.child_ages),
            "infants": self.infants,
            "cabin": common_pb2.Cabin.Name(self.cabin),
            "max_connections": self.max_connections,
            "currency": self.currency,
        }

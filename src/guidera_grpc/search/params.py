"""Typed search parameters: what validation produces and what adapters consume.

One frozen dataclass per category; codes are upper-case and already checked against the
reference data, dates and times are real ``datetime`` values, and every count is in range.
"""

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


@dataclass(frozen=True, slots=True)
class RoomSpec:
    """Who sleeps in one room."""

    adults: int
    child_ages: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class HotelSearch:
    """A validated hotel search in one city."""

    city_code: str
    check_in: dt.date
    check_out: dt.date
    rooms: tuple[RoomSpec, ...]
    currency: str = "EUR"

    @property
    def nights(self) -> int:
        """Nights of the stay."""
        return (self.check_out - self.check_in).days

    def to_json(self) -> dict[str, object]:
        """The parameters as plain JSON."""
        return {
            "city_code": self.city_code,
            "check_in": self.check_in.isoformat(),
            "check_out": self.check_out.isoformat(),
            "rooms": [{"adults": r.adults, "child_ages": list(r.child_ages)} for r in self.rooms],
            "currency": self.currency,
        }


@dataclass(frozen=True, slots=True)
class CarSearch:
    """A validated car rental search; times are local to the pick-up and drop-off places."""

    pick_up: str
    drop_off: str
    pick_up_at: dt.datetime
    drop_off_at: dt.datetime
    driver_age: int = 30
    currency: str = "EUR"

    def to_json(self) -> dict[str, object]:
        """The parameters as plain JSON."""
        return {
            "pick_up": self.pick_up,
            "drop_off": self.drop_off,
            "pick_up_at": self.pick_up_at.isoformat(timespec="minutes"),
            "drop_off_at": self.drop_off_at.isoformat(timespec="minutes"),
            "driver_age": self.driver_age,
            "currency": self.currency,
        }


@dataclass(frozen=True, slots=True)
class ExperienceSearch:
    """A validated search for tours and activities in one city over a range of dates."""

    city_code: str
    from_date: dt.date
    to_date: dt.date
    text: str = ""
    currency: str = "EUR"

    def to_json(self) -> dict[str, object]:
        """The parameters as plain JSON."""
        return {
            "city_code": self.city_code,
            "from_date": self.from_date.isoformat(),
            "to_date": self.to_date.isoformat(),
            "text": self.text,
            "currency": self.currency,
        }


@dataclass(frozen=True, slots=True)
class PackageSearch:
    """A trip assembled from parts: the flights there and back, the stay, maybe a car."""

    flight: FlightSearch
    hotel: HotelSearch
    car: CarSearch | None = None

    @property
    def currency(self) -> str:
        """The display currency of the whole package."""
        return self.flight.currency

    def parts(self) -> list[tuple[str, FlightSearch | HotelSearch | CarSearch]]:
        """(category, search) of each part, flights first."""
        parts: list[tuple[str, FlightSearch | HotelSearch | CarSearch]] = [
            ("flights", self.flight),
            ("hotels", self.hotel),
        ]
        if self.car is not None:
            parts.append(("cars", self.car))
        return parts

    def to_json(self) -> dict[str, object]:
        """The parameters as plain JSON."""
        return {
            "flight": self.flight.to_json(),
            "hotel": self.hotel.to_json(),
            "car": self.car.to_json() if self.car else None,
        }


SearchParams = FlightSearch | HotelSearch | CarSearch | ExperienceSearch | PackageSearch

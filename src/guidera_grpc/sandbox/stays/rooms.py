"""Room types and rate plans: what a property sells and on which terms.

A property has two to five room types chosen by its stars; each room type has a flexible
room-only plan and, depending on the property, breakfast, half board and non-refundable
plans. Capacity counts guests of two and over (infants sleep in a cot).
"""

from __future__ import annotations

from dataclasses import dataclass

from guidera_grpc.sandbox.seeds import stable_int, stable_unit
from guidera_grpc.sandbox.stays.properties import Property

INFANT_AGE = 2
FREE_CANCELLATION_DAYS = (1, 2, 3, 7)


@dataclass(frozen=True, slots=True)
class Occupancy:
    """Who sleeps in one room."""

    adults: int
    child_ages: tuple[int, ...] = ()

    @property
    def guests(self) -> int:
        """Guests who need a bed (infants excluded)."""
        return self.adults + sum(1 for age in self.child_ages if age >= INFANT_AGE)


@dataclass(frozen=True, slots=True)
class RoomType:
    """A kind of room: codes and names in each supplier's style, size and price level."""

    code: str
    """Hotelbeds room code, such as ``DBL.ST``."""
    name: str
    bed: str
    beds: int
    category: str
    """Amadeus ``typeEstimated.category``."""
    capacity: int
    factor: float
    min_stars: int = 1
    max_stars: int = 5
    share: float = 1.0


ROOM_TYPES: tuple[RoomType, ...] = (
    RoomType("SGL.ST", "Single Room", "SINGLE", 1, "STANDARD_ROOM", 1, 0.78, max_stars=3),
    RoomType("DBL.ST", "Standard Double Room", "DOUBLE", 1, "STANDARD_ROOM", 3, 1.0),
    RoomType("TWN.ST", "Standard Twin Room", "TWIN", 2, "STANDARD_ROOM", 2, 1.0, share=0.5),
    RoomType("DBL.SU", "Superior Double Room", "QUEEN", 1, "SUPERIOR_ROOM", 3, 1.25, 3),
    RoomType("FAM.ST", "Family Room", "DOUBLE", 2, "FAMILY_ROOM", 4, 1.55, share=0.6),
    RoomType("JSU.ST", "Junior Suite", "KING", 1, "JUNIOR_SUITE", 3, 1.9, 4),
)


@dataclass(frozen=True, slots=True)
class RatePlan:
    """The terms of a rate: board, refundability and the penalty once free time is over."""

    code: str
    board: str
    """Hotelbeds board code: ``RO``, ``BB`` or ``HB``."""
    refundable: bool
    full_penalty: bool
    """Whether a late cancellation costs the whole stay rather than the first night."""


FLEXIBLE = RatePlan("FLEX", "RO", refundable=True, full_penalty=False)
BREAKFAST = RatePlan("FLEXBB", "BB", refundable=True, full_penalty=False)
HALF_BOARD = RatePlan("FLEXHB", "HB", refundable=True, full_penalty=True)
NON_REFUNDABLE = RatePlan("NRF", "RO", refundable=False, full_penalty=True)


def room_types(prop: Property) -> tuple[RoomType, ...]:
    """The room types ``prop`` has, cheapest first."""
    return tuple(
        room
        for room in ROOM_TYPES
        if room.min_stars <= prop.stars <= room.max_stars
        and stable_unit("room-type", prop.key, room.code) < room.share
    )


def rate_plans(prop: Property, room: RoomType) -> tuple[RatePlan, ...]:
    """The plans ``room`` is sold under at ``prop``."""
    plans = [FLEXIBLE]
    if stable_unit("plan-bb", prop.key, room.code) < 0.6:
        plans.append(BREAKFAST)
    if prop.stars >= 4 and stable_unit("plan-hb", prop.key, room.code) < 0.2:
        plans.append(HALF_BOARD)
    if stable_unit("plan-nrf", prop.key, room.code) < 0.7:
        plans.append(NON_REFUNDABLE)
    return tuple(plans)


def free_cancellation_days(prop: Property) -> int:
    """How many days before check-in a flexible rate of ``prop`` can be cancelled for free."""
    return FREE_CANCELLATION_DAYS[stable_int("free-days", prop.key) % len(FREE_CANCELLATION_DAYS)]

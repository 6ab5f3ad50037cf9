"""The words the admin API accepts: categories, regions, statuses, environments."""

from __future__ import annotations

import re
from typing import Final

from guidera.v1 import common_pb2

from guidera_grpc.reference.regions import REGIONS

#: Categories a provider, a rule or a fallback chain may name.
CATEGORIES: Final = ("flights", "hotels", "cars", "experiences")
CATEGORY_BY_ID: Final = {
    common_pb2.CATEGORY_FLIGHTS: "flights",
    common_pb2.CATEGORY_HOTELS: "hotels",
    common_pb2.CATEGORY_CARS: "cars",
    common_pb2.CATEGORY_EXPERIENCES: "experiences",
}
CATEGORY_IDS: Final = {name: number for number, name in CATEGORY_BY_ID.items()}
PROVIDER_STATUSES: Final = ("active", "degraded", "disabled")
ALL_REGIONS: Final = frozenset(REGIONS)
PROVIDER_CODE: Final = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def category_name(value: common_pb2.Category.ValueType) -> str | None:
    """The name of a category enum value the admin API accepts, else None."""
    return CATEGORY_BY_ID.get(value)

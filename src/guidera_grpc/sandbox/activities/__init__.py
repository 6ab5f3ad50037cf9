"""The experience catalog the GetYourGuide, Viator and Hotelbeds Activities emulators share.

``catalog.search(supplier, code, first, last, text)`` lists what one supplier sells in a city;
the same product appears at several suppliers under titles of their own, with durations that
agree or nearly do. ``cities`` places a city and its day trips; ``landmarks`` holds the
hand-written products of famous cities and ``specs`` the templates every city gets;
``hotelbeds_render`` writes activities in the Hotelbeds Activities format.
"""

from __future__ import annotations

from guidera_grpc.sandbox.activities.catalog import (
    Experience,
    Listing,
    Slot,
    by_product_id,
    experiences,
    search,
)
from guidera_grpc.sandbox.activities.cities import City, city_of

__all__ = [
    "City",
    "Experience",
    "Listing",
    "Slot",
    "by_product_id",
    "city_of",
    "experiences",
    "search",
]

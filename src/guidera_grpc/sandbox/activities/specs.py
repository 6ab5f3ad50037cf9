"""What the catalog sells: hand-written experiences for famous cities, templates for the rest.

A spec is one product as the trade knows it, with the title each supplier gives it (a supplier
without a title does not sell it). Titles differ the way real listings do ("Rome: Colosseum,
Roman Forum and Palatine Hill Guided Tour" against "Skip-the-Line Colosseum, Forum & Palatine
Hill Tour"); durations agree or nearly so. Near misses are deliberate: a 1-hour Colosseum
express tour beside the 3-hour one, a 3-hour Vatican tour beside a 6-hour one, 2-hour and
full-day highlights tours in every city, and a Viator "Hop-On Hop-Off Bus Tour" whose title is
the same in every city.

This module holds the templates that fill every city, with ``{city}`` and ``{trip}`` (the
day-trip town) filled in; ``landmarks`` holds the hand-written specs of famous cities, which
skip the templates marked ``generic_only``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

GYG = "getyourguide"
VIATOR = "viator"
HOTELBEDS = "hotelbeds"
SELLERS = (GYG, VIATOR, HOTELBEDS)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@dataclass(frozen=True, slots=True)
class Point:
    """A named meeting point."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Spec:
    """One product, the titles it is sold under, and how it runs."""

    slug: str
    kind: str
    """GetYourGuide's ``activity_type``: guidedTour, entryTicket, dayTrip, hopOnHopOff ..."""
    titles: Mapping[str, str]
    description: str
    minutes: int
    price_eur: int
    starts: tuple[str, ...] = ("09:00", "11:00", "14:00")
    point: Point | None = None
    """Where to meet; None for a spot near the centre."""
    closed: frozenset[int] = frozenset()
    languages: tuple[str, ...] = ()
    """Languages of the guide; empty for English plus the local language."""
    durations: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    """A supplier's own duration in minutes (from, to) when it differs from ``minutes``."""
    free_cancellation: bool = True
    per_group: bool = False
    skip_the_line: bool = False
    new: bool = False
    """Listed so recently that it has no reviews yet."""
    generic_only: bool = False


def titles(**by_supplier: str) -> Mapping[str, str]:
    """The title each supplier sells a product under, by supplier code."""
    return MappingProxyType(by_supplier)


#: Specs every city gets, with ``{city}`` and ``{trip}`` filled in.
TEMPLATES: tuple[Spec, ...] = (
    Spec(
        "walking",
        "guidedTour",
        titles(
            getyourguide="{city}: Guided Walking Tour of the Historic Centre",
            viator="{city} Historic Centre Walking Tour",
            hotelbeds="{city} Historic Centre Walking Tour",
        ),
        "The old streets, squares and stories of {city} on foot with a local guide.",
        150,
        25,
        ("10:00", "15:00"),
    ),
    Spec(
        "street-food",
        "guidedTour",
        titles(
            getyourguide="{city}: Street Food Tour with Tastings",
            viator="{city} Street Food Tour and Market Tastings",
            hotelbeds="{city} Street Food Tasting Tour",
        ),
        "Eight stops, eight tastes: markets, bakeries and family kitchens of {city}.",
        180,
        69,
        ("11:00", "18:00"),
    ),
    Spec(
        "bike",
        "guidedTour",
        titles(
            getyourguide="{city}: Bike Tour of the Main Sights",
            viator="{city} Main Sights by Bike",
        ),
        "Cover more of {city} in a morning on two wheels, helmet included.",
        180,
        35,
        ("09:30", "14:30"),
    ),
    Spec(
        "hop-on-hop-off",
        "hopOnHopOff",
        titles(
            getyourguide="{city}: Hop-On Hop-Off Bus Tour",
            viator="Hop-On Hop-Off Bus Tour",
            hotelbeds="Hop-On Hop-Off Bus {city}",
        ),
        "An open-top bus loop past the sights of {city}; get off wherever you like.",
        120,
        32,
        ("09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"),
    ),
    Spec(
        "highlights-2h",
        "guidedTour",
        titles(
            getyourguide="{city}: 2-Hour Highlights Tour",
            viator="{city} Highlights Tour in 2 Hours",
        ),
        "The must-sees of {city} in two brisk hours.",
        120,
        39,
        ("09:00", "13:00", "16:00"),
    ),
    Spec(
        "highlights-day",
        "guidedTour",
        titles(
            getyourguide="{city}: Full-Day Highlights Tour with Lunch",
            viator="Full-Day {city} Highlights Tour with Lunch",
            hotelbeds="{city} Full Day Tour with Lunch",
        ),
        "Everything {city} is known for in one unhurried day, lunch at a local restaurant "
        "included.",
        360,
        119,
        ("09:00",),
        durations={VIATOR: (330, 390)},
    ),
    Spec(
        "day-trip",
        "dayTrip",
        titles(
            getyourguide="From {city}: Day Trip to {trip}",
            viator="{trip} Day Trip from {city}",
            hotelbeds="{trip} Day Trip",
        ),
        "Leave {city} early for a full day in {trip} with a guide, back in the evening.",
        540,
        89,
        ("07:30",),
        generic_only=True,
    ),
    Spec(
        "cooking",
        "workshopOrClass",
        titles(
            getyourguide="{city}: Cooking Class with a Local Chef",
            viator="{city} Cooking Class with a Chef",
        ),
        "Cook three local dishes in a home kitchen in {city}, then sit down to eat them.",
        180,
        79,
        ("10:00", "17:30"),
    ),
    Spec(
        "hidden-gems",
        "guidedTour",
        titles(
            getyourguide="{city}: Hidden Gems and Secret Spots Tour",
            viator="Hidden Gems of {city} Small-Group Tour",
        ),
        "Courtyards, workshops and viewpoints of {city} that most visitors walk past.",
        120,
        29,
        ("10:30",),
        new=True,
    ),
    Spec(
        "private",
        "privateTour",
        titles(
            getyourguide="{city}: Personalised Private Tour with Your Own Guide",
            hotelbeds="{city} Personalised Private Tour",
        ),
        "Your own guide for four hours, for up to eight people, on a route you choose.",
        240,
        240,
        ("09:00", "14:00"),
        per_group=True,
    ),
)

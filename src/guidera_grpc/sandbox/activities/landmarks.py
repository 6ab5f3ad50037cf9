"""Hand-written experiences of famous cities: their landmarks as each supplier sells them.

Rome, Paris, London, New York and Barcelona get their real sights with real meeting points.
Most are sold by two or three suppliers under titles of their own; some only by one. The near
misses live here too: the 1-hour Colosseum express tour beside the 3-hour tour, the 3-hour
and the full-day Vatican tours, a Central Park bike tour beside a bike rental.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from guidera_grpc.sandbox.activities.specs import MON, SUN, TUE, VIATOR, Point, Spec, titles

_ROME = (
    Spec(
        "colosseum",
        "guidedTour",
        titles(
            getyourguide="Rome: Colosseum, Roman Forum and Palatine Hill Guided Tour",
            viator="Skip-the-Line Colosseum, Forum & Palatine Hill Tour",
            hotelbeds="Colosseum and Roman Forum Guided Visit",
        ),
        "Walk the arena of the gladiators, then follow the Sacred Way through the Forum and "
        "climb the Palatine Hill where Rome's emperors lived.",
        180,
        59,
        ("08:30", "10:00", "11:30", "13:30", "15:00"),
        Point("Colosseum, Piazza del Colosseo", 41.8902, 12.4922),
        durations={VIATOR: (150, 195)},
        skip_the_line=True,
    ),
    Spec(
        "colosseum-express",
        "guidedTour",
        titles(
            getyourguide="Rome: Colosseum Express Guided Tour",
            viator="Colosseum Express Tour with Skip-the-Line Entry",
        ),
        "An hour inside the Colosseum with a guide for travellers short of time.",
        60,
        35,
        ("09:00", "12:00", "16:00"),
        Point("Colosseum, Piazza del Colosseo", 41.8902, 12.4922),
        skip_the_line=True,
    ),
    Spec(
        "vatican",
        "guidedTour",
        titles(
            getyourguide="Vatican Museums and Sistine Chapel Skip-the-Line Tour",
            viator="Vatican Museums & Sistine Chapel Guided Tour",
            hotelbeds="Vatican Museums and Sistine Chapel Tickets",
        ),
        "Raphael's Rooms, the Gallery of Maps and Michelangelo's ceiling in the Sistine "
        "Chapel, with a guide who knows the shortcuts.",
        180,
        65,
        ("08:00", "10:30", "13:00"),
        Point("Vatican Museums entrance, Viale Vaticano", 41.9065, 12.4536),
        closed=frozenset({SUN}),
        skip_the_line=True,
    ),
    Spec(
        "vatican-full-day",
        "guidedTour",
        titles(
            getyourguide="Vatican Museums, Sistine Chapel and St. Peter's Basilica Full-Day Tour",
            viator="Full-Day Vatican Museums, Sistine Chapel & St Peter's Tour",
        ),
        "The whole Vatican in one day: the museums, the Sistine Chapel, St. Peter's Basilica "
        "and the climb to the dome.",
        360,
        99,
        ("09:00",),
        Point("Vatican Museums entrance, Viale Vaticano", 41.9065, 12.4536),
        closed=frozenset({SUN}),
    ),
    Spec(
        "borghese",
        "entryTicket",
        titles(
            getyourguide="Rome: Borghese Gallery Entry Ticket",
            viator="Borghese Gallery and Gardens Admission Ticket",
            hotelbeds="Borghese Gallery Ticket",
        ),
        "Timed entry to Cardinal Scipione Borghese's collection of Bernini and Caravaggio.",
        120,
        27,
        ("09:00", "11:00", "13:00", "15:00", "17:00"),
        Point("Galleria Borghese, Piazzale Scipione Borghese", 41.9142, 12.4922),
        closed=frozenset({MON}),
        free_cancellation=False,
    ),
    Spec(
        "catacombs",
        "guidedTour",
        titles(
            getyourguide="Rome: Catacombs and Appian Way Small-Group Tour",
            viator="Catacombs of Rome and Appian Way Tour",
        ),
        "Underground galleries of the early Christians and the ancient road out of Rome.",
        180,
        55,
        ("10:00", "14:30"),
        Point("Porta San Sebastiano", 41.8738, 12.5020),
    ),
    Spec(
        "pantheon",
        "entryTicket",
        titles(
            getyourguide="Rome: Pantheon Entry Ticket with Audio Guide",
            hotelbeds="Pantheon Ticket and Audio Guide",
        ),
        "Skip the queue at the best-kept temple of antiquity and listen to its story.",
        60,
        15,
        ("09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00"),
        Point("Pantheon, Piazza della Rotonda", 41.8986, 12.4769),
        free_cancellation=False,
    ),
    Spec(
        "pompeii",
        "dayTrip",
        titles(
            getyourguide="From Rome: Pompeii and Amalfi Coast Day Trip",
            viator="Pompeii & Amalfi Coast Full-Day Trip from Rome",
            hotelbeds="Pompeii and Amalfi Coast Excursion from Rome",
        ),
        "The buried city of Pompeii with an archaeologist, then the cliffs and lemon groves "
        "of Positano.",
        600,
        129,
        ("07:00",),
        Point("Piazza della Repubblica", 41.9028, 12.4964),
        durations={VIATOR: (600, 660)},
    ),
)

_PARIS = (
    Spec(
        "louvre",
        "guidedTour",
        titles(
            getyourguide="Paris: Louvre Museum Guided Tour with Skip-the-Line Access",
            viator="Skip the Line: Louvre Museum Guided Tour",
            hotelbeds="Louvre Museum Guided Tour",
        ),
        "The Mona Lisa, the Venus de Milo and the Winged Victory with an art historian.",
        150,
        75,
        ("09:30", "12:00", "14:30"),
        Point("Louvre Pyramid, Cour Napoléon", 48.8606, 2.3376),
        closed=frozenset({TUE}),
        durations={VIATOR: (120, 150)},
        skip_the_line=True,
    ),
    Spec(
        "louvre-express",
        "guidedTour",
        titles(
            getyourguide="Paris: Louvre Museum Highlights Express Tour",
            viator="Louvre Museum Highlights Express Tour",
        ),
        "The three most famous works of the Louvre in one fast hour.",
        60,
        45,
        ("10:00", "16:00"),
        Point("Louvre Pyramid, Cour Napoléon", 48.8606, 2.3376),
        closed=frozenset({TUE}),
    ),
    Spec(
        "eiffel",
        "guidedTour",
        titles(
            getyourguide="Paris: Eiffel Tower Summit Guided Tour",
            viator="Eiffel Tower Summit Guided Tour by Elevator",
            hotelbeds="Eiffel Tower Summit Tour",
        ),
        "Up by lift to the second floor and on to the summit, with a guide to point out "
        "the city below.",
        120,
        89,
        ("10:00", "13:00", "17:30"),
        Point("Eiffel Tower, south pillar", 48.8575, 2.2932),
        durations={VIATOR: (90, 120)},
    ),
    Spec(
        "seine",
        "waterActivity",
        titles(
            getyourguide="Paris: Seine River Sightseeing Cruise",
            viator="Seine River Sightseeing Cruise with Commentary",
            hotelbeds="Seine River Cruise",
        ),
        "An hour on the river past Notre-Dame, the Louvre and the Eiffel Tower.",
        60,
        17,
        ("10:30", "13:00", "15:30", "18:00", "20:30"),
        Point("Port de la Bourdonnais", 48.8600, 2.2930),
    ),
    Spec(
        "versailles",
        "dayTrip",
        titles(
            getyourguide="From Paris: Versailles Palace and Gardens Day Trip",
            viator="Versailles Palace & Gardens Half-Day Tour from Paris",
            hotelbeds="Versailles Palace Tour from Paris",
        ),
        "The Hall of Mirrors, the King's apartments and the gardens of Le Nôtre.",
        300,
        79,
        ("08:30", "13:30"),
        Point("Place de la Concorde", 48.8656, 2.3212),
        closed=frozenset({MON}),
        durations={VIATOR: (270, 330)},
    ),
    Spec(
        "montmartre",
        "guidedTour",
        titles(
            getyourguide="Paris: Montmartre and Sacré-Cœur Walking Tour",
            viator="Montmartre Walking Tour: Artists, Sacré-Cœur and Hidden Corners",
        ),
        "The village of painters on its hill, its vineyard and the white basilica.",
        120,
        25,
        ("10:00", "15:00"),
        Point("Place des Abbesses", 48.8844, 2.3384),
    ),
    Spec(
        "orsay",
        "entryTicket",
        titles(
            getyourguide="Paris: Musée d'Orsay Entry Ticket",
            hotelbeds="Musée d'Orsay Admission Ticket",
        ),
        "Monet, Renoir and Van Gogh in a Beaux-Arts railway station.",
        120,
        16,
        ("09:30", "11:30", "13:30", "15:30"),
        Point("Musée d'Orsay, Esplanade Valéry Giscard d'Estaing", 48.8600, 2.3266),
        closed=frozenset({MON}),
        free_cancellation=False,
    ),
)

_LONDON = (
    Spec(
        "tower",
        "entryTicket",
        titles(
            getyourguide="London: Tower of London and Crown Jewels Entry Ticket",
            viator="Tower of London Admission Ticket with Crown Jewels",
            hotelbeds="Tower of London Ticket",
        ),
        "Nine hundred years of history, the Yeoman Warders and the Crown Jewels.",
        180,
        39,
        ("09:00", "10:00", "11:00", "12:00", "13:00", "14:00"),
        Point("Tower of London, Tower Hill", 51.5081, -0.0759),
        free_cancellation=False,
    ),
    Spec(
        "eye",
        "entryTicket",
        titles(
            getyourguide="London: London Eye Standard Entry Ticket",
            viator="London Eye Standard Admission Ticket",
        ),
        "A full turn of the wheel high over the Thames.",
        60,
        35,
        ("10:00", "12:00", "14:00", "16:00", "18:00"),
        Point("London Eye, South Bank", 51.5033, -0.1196),
    ),
    Spec(
        "stonehenge",
        "dayTrip",
        titles(
            getyourguide="From London: Stonehenge, Windsor Castle and Bath Day Trip",
            viator="Windsor Castle, Stonehenge and Bath Full-Day Trip from London",
            hotelbeds="Stonehenge, Windsor and Bath Day Tour from London",
        ),
        "The royal castle, the stone circle and the Roman baths in one long day.",
        600,
        119,
        ("08:00",),
        Point("Victoria Coach Station", 51.4925, -0.1490),
        durations={VIATOR: (600, 660)},
    ),
    Spec(
        "westminster",
        "guidedTour",
        titles(
            getyourguide="London: Westminster Walking Tour with Changing of the Guard",
            viator="Westminster Walking Tour and Changing of the Guard Ceremony",
        ),
        "Big Ben, the Abbey and Whitehall, timed to see the guard change at the Palace.",
        180,
        32,
        ("09:30",),
        Point("Westminster Abbey, Great West Door", 51.4993, -0.1273),
    ),
    Spec(
        "thames",
        "waterActivity",
        titles(
            getyourguide="London: River Thames Sightseeing Cruise",
            hotelbeds="River Thames Cruise",
        ),
        "From Westminster to Greenwich by boat, with live commentary.",
        60,
        19,
        ("10:00", "12:00", "14:00", "16:00"),
        Point("Westminster Pier", 51.5015, -0.1235),
    ),
    Spec(
        "harry-potter",
        "dayTrip",
        titles(
            getyourguide="From London: Warner Bros. Studio Tour – The Making of Harry Potter",
            viator="Warner Bros. Studio Tour London: The Making of Harry Potter with Transport",
        ),
        "Coach to the studios where the films were made: the Great Hall, Diagon Alley and "
        "the Hogwarts Express.",
        420,
        95,
        ("08:30", "12:30"),
        Point("Victoria Coach Station", 51.4925, -0.1490),
        free_cancellation=False,
    ),
)

_NEW_YORK = (
    Spec(
        "liberty",
        "guidedTour",
        titles(
            getyourguide="New York City: Statue of Liberty and Ellis Island Tour",
            viator="Statue of Liberty & Ellis Island Guided Tour",
            hotelbeds="Statue of Liberty and Ellis Island Ticket",
        ),
        "Ferry to Liberty Island and the immigration museum on Ellis Island.",
        240,
        49,
        ("09:00", "11:00", "13:00"),
        Point("Battery Park, Castle Clinton", 40.7033, -74.0170),
        durations={VIATOR: (180, 270)},
    ),
    Spec(
        "empire-state",
        "entryTicket",
        titles(
            getyourguide="New York City: Empire State Building Observatory Ticket",
            viator="Empire State Building Observatory Admission",
            hotelbeds="Empire State Building Ticket",
        ),
        "The 86th-floor open-air deck, and the 102nd floor if you wish.",
        90,
        44,
        ("09:00", "11:00", "13:00", "15:00", "17:00", "19:00", "21:00"),
        Point("Empire State Building, 20 W 34th St", 40.7484, -73.9857),
    ),
    Spec(
        "top-of-the-rock",
        "entryTicket",
        titles(
            getyourguide="NYC: Top of the Rock Observation Deck Ticket",
            viator="Top of the Rock Observation Deck Admission Ticket",
        ),
        "Rockefeller Center's three decks with Central Park on one side and the Empire "
        "State Building on the other.",
        60,
        40,
        ("09:00", "12:00", "15:00", "18:00", "21:00"),
        Point("Rockefeller Plaza, 30 Rockefeller Center", 40.7593, -73.9794),
    ),
    Spec(
        "central-park-bike",
        "guidedTour",
        titles(
            getyourguide="New York: Central Park Bike Tour",
            viator="Central Park Guided Bike Tour",
        ),
        "Strawberry Fields, Bethesda Terrace and the Reservoir at an easy pace.",
        120,
        49,
        ("09:00", "13:00", "16:00"),
        Point("Central Park South and 6th Avenue", 40.7655, -73.9762),
    ),
    Spec(
        "central-park-rental",
        "guidedTour",
        titles(
            getyourguide="New York: Central Park Bike Rental",
            viator="Central Park Bike Rental",
        ),
        "A bike, a lock and a map: ride the park at your own pace.",
        180,
        25,
        ("09:00", "10:00", "11:00", "12:00", "13:00", "14:00"),
        Point("Central Park South and 6th Avenue", 40.7655, -73.9762),
    ),
    Spec(
        "september-11",
        "entryTicket",
        titles(
            getyourguide="NYC: 9/11 Memorial and Museum Entry Ticket",
            viator="9/11 Memorial & Museum Admission Ticket",
        ),
        "The twin reflecting pools and the museum beneath them.",
        120,
        36,
        ("09:00", "11:00", "13:00", "15:00", "17:00"),
        Point("9/11 Memorial, 180 Greenwich St", 40.7115, -74.0134),
        free_cancellation=False,
    ),
)

_BARCELONA = (
    Spec(
        "sagrada-familia",
        "guidedTour",
        titles(
            getyourguide="Barcelona: Sagrada Familia Guided Tour with Skip-the-Line Entry",
            viator="Sagrada Familia Skip-the-Line Guided Tour",
            hotelbeds="Sagrada Familia Guided Tour",
        ),
        "Gaudí's unfinished basilica, its forest of columns and its stained glass.",
        90,
        47,
        ("09:00", "11:00", "13:00", "15:00"),
        Point("Sagrada Familia, Carrer de la Marina", 41.4036, 2.1744),
        skip_the_line=True,
    ),
    Spec(
        "sagrada-guell",
        "guidedTour",
        titles(
            getyourguide="Barcelona: Sagrada Familia and Park Güell Tour",
            viator="Sagrada Familia and Park Guell Tour with Transfer",
        ),
        "The basilica in the morning, the mosaic terraces of Park Güell after.",
        240,
        79,
        ("09:00", "14:00"),
        Point("Sagrada Familia, Carrer de la Marina", 41.4036, 2.1744),
    ),
    Spec(
        "park-guell",
        "guidedTour",
        titles(
            getyourguide="Barcelona: Park Güell Guided Tour",
            viator="Park Guell Guided Tour with Skip-the-Line Tickets",
        ),
        "Gaudí's garden city of mosaics, viaducts and the salamander stair.",
        75,
        35,
        ("09:30", "12:00", "16:00"),
        Point("Park Güell, Carrer d'Olot", 41.4145, 2.1527),
    ),
    Spec(
        "casa-batllo",
        "entryTicket",
        titles(
            getyourguide="Barcelona: Casa Batlló Admission Ticket with Smart Guide",
            viator="Casa Batllo Admission Ticket with Smart Guide",
            hotelbeds="Casa Batlló Ticket",
        ),
        "The house of bones on Passeig de Gràcia, room by room.",
        60,
        35,
        ("09:00", "11:00", "13:00", "15:00", "17:00", "19:00"),
        Point("Casa Batlló, Passeig de Gràcia 43", 41.3917, 2.1649),
    ),
    Spec(
        "montserrat",
        "dayTrip",
        titles(
            getyourguide="From Barcelona: Montserrat Monastery and Cog Wheel Train Day Trip",
            viator="Montserrat Half-Day Trip from Barcelona with Cog Wheel Train",
        ),
        "The serrated mountain, the Black Madonna and the boys' choir.",
        330,
        65,
        ("08:15",),
        Point("Plaça de Catalunya", 41.3870, 2.1701),
    ),
    Spec(
        "gothic-quarter",
        "guidedTour",
        titles(
            getyourguide="Barcelona: Gothic Quarter Walking Tour",
            viator="Gothic Quarter Walking Tour in Barcelona",
            hotelbeds="Gothic Quarter Walking Tour",
        ),
        "Roman walls, the cathedral cloister and the squares of the medieval city.",
        120,
        22,
        ("10:00", "17:00"),
        Point("Barcelona Cathedral, Pla de la Seu", 41.3839, 2.1763),
    ),
)

#: Hand-written specs by canonical city code.
CURATED: Mapping[str, tuple[Spec, ...]] = MappingProxyType(
    {"ROM": _ROME, "PAR": _PARIS, "LON": _LONDON, "NYC": _NEW_YORK, "BCN": _BARCELONA}
)

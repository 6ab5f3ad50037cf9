"""How each supplier spells a property's name.

Expedia keeps the full name with its accents and adds the city to an independent's name
("Hôtel Lutetia Paris"); Hotelbeds often says just the core ("Lutetia"), may drop accents, add
"Hotel" to a chain name or a tag after it ("ibis Paris Gare du Nord Centre"), and now and then
leaves a double space; Amadeus writes names in capitals without accents.
"""

from __future__ import annotations

import unicodedata

from guidera_grpc.sandbox.seeds import stable_unit
from guidera_grpc.sandbox.stays.properties import Property

_TAGS = {"FR": "Centre", "US": "Downtown", "IT": "Centro", "ES": "Centro"}


def strip_accents(text: str) -> str:
    """``text`` without diacritics: "Hôtel Élysée" → "Hotel Elysee"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def expedia_name(prop: Property) -> str:
    """The full name, accents kept; an independent's name ends with its city."""
    if prop.brand is None:
        return f"{prop.name} {prop.city.name}"
    return prop.name


def hotelbeds_name(prop: Property) -> str:
    """A wholesaler's spelling: shorter, sometimes without accents, a prefix or a tag."""
    roll = stable_unit("hotelbeds-name", prop.key)
    if prop.brand is None:
        name = prop.core if roll < 0.5 else f"Hotel {prop.core}"
    elif roll < 0.35:
        name = f"Hotel {prop.name[0].upper()}{prop.name[1:]}"
    elif roll < 0.6:
        name = f"{prop.name} {_TAGS.get(prop.city.country, 'City Centre')}"
    else:
        name = prop.name
    if stable_unit("hotelbeds-accents", prop.key) < 0.5:
        name = strip_accents(name)
    if stable_unit("hotelbeds-space", prop.key) < 0.1:
        name = name.replace(" ", "  ", 1)
    return name


def amadeus_name(prop: Property) -> str:
    """Capitals without accents: "HOTEL ETOILE", "IBIS PARIS GARE DU NORD"."""
    return strip_accents(prop.name).upper()

"""Hotel brands of the catalog, with the codes and group names suppliers give them.

``code`` is the two-letter chain code a GDS such as Amadeus uses; ``group`` is the company a
content API names as the chain; ``stars`` is the usual rating of the brand's hotels.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Brand:
    """One hotel brand."""

    name: str
    code: str
    group: str
    stars: int
    uk_only: bool = False


BRANDS: tuple[Brand, ...] = (
    Brand("ibis", "IB", "Accor", 2),
    Brand("ibis Styles", "IB", "Accor", 3),
    Brand("Novotel", "NO", "Accor", 4),
    Brand("Mercure", "MC", "Accor", 4),
    Brand("Holiday Inn", "HI", "IHG Hotels & Resorts", 4),
    Brand("Holiday Inn Express", "HI", "IHG Hotels & Resorts", 3),
    Brand("Hilton", "HL", "Hilton Worldwide", 5),
    Brand("Hilton Garden Inn", "HL", "Hilton Worldwide", 4),
    Brand("Marriott", "MC", "Marriott International", 5),
    Brand("Courtyard by Marriott", "CY", "Marriott International", 4),
    Brand("Best Western", "BW", "Best Western Hotels & Resorts", 3),
    Brand("Best Western Plus", "BW", "Best Western Hotels & Resorts", 4),
    Brand("Radisson Blu", "RD", "Radisson Hotel Group", 4),
    Brand("Park Inn by Radisson", "PK", "Radisson Hotel Group", 3),
    Brand("NH", "NH", "Minor Hotels", 4),
    Brand("NH Collection", "NH", "Minor Hotels", 5),
    Brand("Meliá", "ME", "Meliá Hotels International", 4),
    Brand("INNSiDE by Meliá", "ME", "Meliá Hotels International", 4),
    Brand("Premier Inn", "PI", "Whitbread", 3, uk_only=True),
)

#: Chain code Amadeus gives hotels that belong to no chain.
INDEPENDENT_CODE = "YX"

#: The core of an independent hotel's name.
INDEPENDENT_NAMES: tuple[str, ...] = (
    "Lutetia",
    "Bellevue",
    "Continental",
    "Regina",
    "Splendid",
    "Astoria",
    "Excelsior",
    "Belvédère",
    "Bristol",
    "Majestic",
    "Métropole",
    "Savoy",
    "Victoria",
    "Windsor",
    "Ambassador",
    "Esplanade",
    "Minerva",
    "Aurora",
    "Mirabeau",
    "Lumière",
    "Étoile",
    "Saint-Louis",
    "Élysée",
    "Montaigne",
    "Colonial",
    "Plaza",
    "Royal",
    "Park",
    "Garden",
    "Cosmopolitan",
)


def brands_for(country: str) -> tuple[Brand, ...]:
    """The brands that have hotels in ``country``."""
    return tuple(brand for brand in BRANDS if not brand.uk_only or country in ("GB", "IE"))

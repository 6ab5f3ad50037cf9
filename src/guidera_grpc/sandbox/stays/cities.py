"""Where a city's hotels stand: its centre, districts, street names, price level and taxes.

Any IATA city or airport code works: reference data gives the country, time zone and a fallback
centre (the first airport); a table of well-known cities gives the real centre, district names
and the local tourist tax. Unknown codes give None.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal

from guidera_grpc.reference.airports import resolve_city


@dataclass(frozen=True, slots=True)
class City:
    """A city as the hotel catalog sees it."""

    code: str
    name: str
    country: str
    tz: str
    lat: float
    lon: float
    price_factor: float
    vat: Decimal
    """Tax on accommodation, included in rates (0.10 is 10 %)."""
    city_tax_eur: Decimal
    """Tourist tax per person and night at a three-star hotel, paid at the property."""
    districts: tuple[str, ...]
    streets: tuple[str, ...]
    postal_prefix: str
    well_known: bool
    """Whether the city is in the table of well-known cities (more hotels, real districts)."""


@dataclass(frozen=True, slots=True)
class _Known:
    name: str
    lat: float
    lon: float
    price_factor: float
    city_tax_eur: str
    districts: tuple[str, ...]
    postal_prefix: str = ""


_KNOWN: dict[str, _Known] = {
    "PAR": _Known(
        "Paris",
        48.8566,
        2.3522,
        1.35,
        "2.60",
        (
            "Gare du Nord",
            "Montparnasse",
            "Opéra",
            "Bastille",
            "Le Marais",
            "Tour Eiffel",
            "Saint-Germain",
            "Champs-Élysées",
            "Gare de Lyon",
            "Montmartre",
        ),
        "750",
    ),
    "LON": _Known(
        "London",
        51.5072,
        -0.1276,
        1.45,
        "0",
        (
            "Kensington",
            "Paddington",
            "King's Cross",
            "Covent Garden",
            "Tower Bridge",
            "Westminster",
            "Earl's Court",
            "Shoreditch",
            "Victoria",
            "Canary Wharf",
        ),
    ),
    "NYC": _Known(
        "New York",
        40.7580,
        -73.9855,
        1.60,
        "2.00",
        (
            "Times Square",
            "Midtown East",
            "Chelsea",
            "Soho",
            "Financial District",
            "Upper West Side",
            "Herald Square",
            "Central Park",
        ),
        "100",
    ),
    "ROM": _Known(
        "Rome",
        41.9028,
        12.4964,
        1.15,
        "5.00",
        ("Termini", "Trastevere", "Vaticano", "Colosseo", "Piazza di Spagna", "Navona"),
        "001",
    ),
    "BCN": _Known(
        "Barcelona",
        41.3874,
        2.1686,
        1.15,
        "3.25",
        ("Sants", "Eixample", "Gothic Quarter", "Sagrada Familia", "Diagonal Mar", "Ramblas"),
        "080",
    ),
    "MAD": _Known(
        "Madrid",
        40.4168,
        -3.7038,
        1.05,
        "0",
        ("Gran Vía", "Atocha", "Chamartín", "Salamanca", "Puerta del Sol", "Retiro"),
        "280",
    ),
    "AMS": _Known(
        "Amsterdam",
        52.3676,
        4.9041,
        1.40,
        "6.50",
        ("Centraal", "Museumplein", "Jordaan", "Zuidas", "De Pijp", "Amstel"),
        "10",
    ),
    "BER": _Known(
        "Berlin",
        52.5200,
        13.4050,
        0.95,
        "4.50",
        ("Alexanderplatz", "Mitte", "Kurfürstendamm", "Potsdamer Platz", "Hauptbahnhof"),
        "10",
    ),
    "LIS": _Known(
        "Lisbon",
        38.7223,
        -9.1393,
        0.95,
        "4.00",
        ("Baixa", "Chiado", "Alfama", "Parque das Nações", "Avenida da Liberdade"),
        "1",
    ),
    "MIL": _Known(
        "Milan",
        45.4642,
        9.1900,
        1.20,
        "5.00",
        ("Centrale", "Duomo", "Porta Garibaldi", "Navigli", "Fiera"),
        "201",
    ),
    "VIE": _Known(
        "Vienna",
        48.2082,
        16.3738,
        1.05,
        "1.80",
        ("Stephansplatz", "Westbahnhof", "Prater", "Schönbrunn", "Hauptbahnhof"),
        "10",
    ),
    "PRG": _Known(
        "Prague",
        50.0755,
        14.4378,
        0.75,
        "2.00",
        ("Old Town", "Wenceslas Square", "Karlín", "Malá Strana", "Vinohrady"),
        "1",
    ),
    "BUD": _Known(
        "Budapest",
        47.4979,
        19.0402,
        0.70,
        "2.50",
        ("Belváros", "Andrássy", "Buda Castle", "Keleti", "Margaret Island"),
        "10",
    ),
    "DUB": _Known(
        "Dublin", 53.3498, -6.2603, 1.25, "0", ("Temple Bar", "Docklands", "Ballsbridge")
    ),
    "IST": _Known(
        "Istanbul", 41.0082, 28.9784, 0.80, "1.00", ("Sultanahmet", "Taksim", "Şişli", "Karaköy")
    ),
    "NCE": _Known(
        "Nice", 43.7102, 7.2620, 1.15, "2.00", ("Promenade des Anglais", "Vieux Nice", "Gare"), "06"
    ),
    "VCE": _Known(
        "Venice", 45.4408, 12.3155, 1.40, "5.00", ("San Marco", "Mestre", "Rialto"), "301"
    ),
    "FLR": _Known(
        "Florence",
        43.7696,
        11.2558,
        1.20,
        "5.50",
        ("Santa Maria Novella", "Duomo", "Oltrarno"),
        "501",
    ),
    "MUC": _Known(
        "Munich", 48.1351, 11.5820, 1.15, "0", ("Hauptbahnhof", "Schwabing", "Marienplatz"), "80"
    ),
    "ZRH": _Known(
        "Zurich", 47.3769, 8.5417, 1.55, "2.50", ("Hauptbahnhof", "Altstadt", "Oerlikon"), "80"
    ),
    "LAX": _Known(
        "Los Angeles", 34.0522, -118.2437, 1.35, "0", ("Downtown", "Hollywood", "Santa Monica")
    ),
    "MIA": _Known(
        "Miami", 25.7617, -80.1918, 1.30, "0", ("South Beach", "Brickell", "Downtown"), "331"
    ),
    "DXB": _Known(
        "Dubai", 25.2048, 55.2708, 1.10, "3.50", ("Downtown", "Dubai Marina", "Deira", "Jumeirah")
    ),
    "BKK": _Known(
        "Bangkok", 13.7563, 100.5018, 0.55, "0", ("Sukhumvit", "Silom", "Riverside", "Siam")
    ),
    "TYO": _Known(
        "Tokyo", 35.6762, 139.6503, 1.20, "1.20", ("Shinjuku", "Ginza", "Shibuya", "Asakusa")
    ),
    "SIN": _Known("Singapore", 1.2903, 103.8519, 1.30, "0", ("Marina Bay", "Orchard", "Chinatown")),
}

#: Codes of the cities with a real centre, districts and tourist tax.
WELL_KNOWN: tuple[str, ...] = tuple(_KNOWN)

_GENERIC_DISTRICTS = ("Centre", "Old Town", "Central Station", "Riverside", "Airport", "Park")
_VAT = {
    "FR": "0.10",
    "IT": "0.10",
    "ES": "0.10",
    "DE": "0.07",
    "AT": "0.10",
    "NL": "0.09",
    "PT": "0.06",
    "BE": "0.06",
    "GB": "0.20",
    "IE": "0.135",
    "CH": "0.038",
    "US": "0.1475",
    "CZ": "0.12",
    "HU": "0.18",
    "TR": "0.10",
    "AE": "0.05",
    "TH": "0.07",
    "JP": "0.10",
    "SG": "0.09",
}
_STREETS = {
    "FR": ("Rue de la Paix", "Boulevard Voltaire", "Rue Lafayette", "Avenue Victor Hugo"),
    "IT": ("Via Nazionale", "Via Cavour", "Corso Italia", "Via Garibaldi"),
    "ES": ("Calle Mayor", "Avenida de la Constitución", "Calle de Alcalá", "Paseo del Prado"),
    "PT": ("Rua Augusta", "Avenida da República", "Rua do Carmo"),
    "DE": ("Hauptstraße", "Bahnhofstraße", "Friedrichstraße", "Schillerstraße"),
    "AT": ("Hauptstraße", "Mariahilfer Straße", "Ringstraße"),
    "NL": ("Damrak", "Keizersgracht", "Stationsplein"),
}
_ENGLISH_STREETS = ("High Street", "Station Road", "Park Lane", "Queen Street", "Main Street")


@functools.lru_cache(maxsize=512)
def find_city(code: str) -> City | None:
    """The city a city or airport code stands for, or None for an unknown code."""
    airports = resolve_city(code)
    if not airports:
        return None
    first = airports[0]
    city_code = first.city_code
    known = _KNOWN.get(city_code)
    vat = Decimal(_VAT.get(first.country, "0.10"))
    streets = _STREETS.get(first.country, _ENGLISH_STREETS)
    if known is None:
        return City(
            code=city_code,
            name=first.city.split(",")[-1].strip() or city_code,
            country=first.country,
            tz=first.tz,
            lat=first.lat,
            lon=first.lon,
            price_factor=1.0,
            vat=vat,
            city_tax_eur=Decimal("1.50") if first.country in _STREETS else Decimal(0),
            districts=_GENERIC_DISTRICTS,
            streets=streets,
            postal_prefix="",
            well_known=False,
        )
    return City(
        code=city_code,
        name=known.name,
        country=first.country,
        tz=first.tz,
        lat=known.lat,
        lon=known.lon,
        price_factor=known.price_factor,
        vat=vat,
        city_tax_eur=Decimal(known.city_tax_eur),
        districts=known.districts,
        streets=streets,
        postal_prefix=known.postal_prefix,
        well_known=True,
    )

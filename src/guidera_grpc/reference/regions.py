"""The world region of any country, airport or city code: the routing vocabulary of places.

Every ISO 3166-1 country (and Kosovo, ``XK``) belongs to exactly one of seven regions. The
borders follow how travel is sold rather than strict geography: the Caribbean and Central
America count as North America, Cyprus and Turkey as Europe, Egypt as Africa, the Caucasus as
Asia, and Russia as Europe as a whole. Airports and city codes take the region of their
country, so any place ``airportsdata`` knows has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from guidera_grpc.reference.airports import resolve_city

REGIONS = (
    "north_america",
    "south_america",
    "europe",
    "middle_east",
    "africa",
    "asia",
    "oceania",
)

_MEMBERS = {
    "north_america": """
        US CA MX GT BZ SV HN NI CR PA CU JM HT DO PR BS BB TT AG DM GD KN LC VC AW CW SX BQ
        KY TC VG VI AI MS GP MQ BL MF PM BM GL
    """,
    "south_america": "AR BO BR CL CO EC GY PY PE SR UY VE GF FK GS",
    "europe": """
        AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT
        JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA XK
    """,
    "middle_east": "AE BH IL IQ IR JO KW LB OM PS QA SA SY YE",
    "africa": """
        DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR
        LY MG MW ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG TN UG EH
        ZM ZW TF
    """,
    "asia": """
        AF AM AZ BD BT BN KH CN GE HK IN ID JP KZ KP KR KG LA MO MY MV MN MM NP PK PH SG LK
        TW TJ TH TL TM UZ VN CC CX IO
    """,
    "oceania": """
        AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV UM VU WF HM AQ
        BV
    """,
}

COUNTRY_REGIONS: Mapping[str, str] = MappingProxyType(
    {country: region for region, codes in _MEMBERS.items() for country in codes.split()}
)
"""ISO 3166-1 alpha-2 country code → region."""


def region_of_country(country: str) -> str | None:
    """The region of an ISO country code (any case), or None for a code that names none."""
    return COUNTRY_REGIONS.get(country.strip().upper())


def country_of(code: str) -> str | None:
    """The country of an IATA airport or city code, or None when the code is unknown."""
    airports = resolve_city(code)
    return airports[0].country if airports else None


def region_of(code: str) -> str | None:
    """The region of an IATA airport or city code, or None when the code is unknown."""
    country = country_of(code)
    return region_of_country(country) if country else None

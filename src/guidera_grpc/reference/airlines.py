"""Real airlines by IATA code: name, home country and region, premium or budget, hubs.

A small hand-kept table, enough for the sandbox to sell plausible flights and for the service to
name carriers. Regions use the routing vocabulary of the design (``europe``, ``north_america``,
``south_america``, ``asia``, ``middle_east``, ``africa``, ``oceania``). Regional operators
(``tier == "regional"``) fly short legs on behalf of a mainline carrier and sell nothing
themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tier = Literal["premium", "budget", "regional"]
Alliance = Literal["oneworld", "star", "skyteam"]


@dataclass(frozen=True, slots=True)
class Airline:
    """One airline and where it flies from."""

    iata: str
    name: str
    country: str
    region: str
    tier: Tier
    hubs: tuple[str, ...]
    alliance: Alliance | None = None
    regional_operator: str | None = None

    @property
    def is_budget(self) -> bool:
        """Whether this is a low-cost carrier (no free checked bag, no premium cabins)."""
        return self.tier == "budget"

    def allied_with(self, other: Airline) -> bool:
        """Whether both are the same airline or in the same alliance (one ticket can hold both)."""
        return self.iata == other.iata or (
            self.alliance is not None and self.alliance == other.alliance
        )


_E, _NA, _SA, _AS, _ME, _AF, _OC = (
    "europe",
    "north_america",
    "south_america",
    "asia",
    "middle_east",
    "africa",
    "oceania",
)

AIRLINES: tuple[Airline, ...] = (
    Airline("BA", "British Airways", "GB", _E, "premium", ("LHR", "LGW"), "oneworld", "CJ"),
    Airline("VS", "Virgin Atlantic", "GB", _E, "premium", ("LHR", "MAN"), "skyteam"),
    Airline("AF", "Air France", "FR", _E, "premium", ("CDG", "ORY"), "skyteam", "A5"),
    Airline("KL", "KLM Royal Dutch Airlines", "NL", _E, "premium", ("AMS",), "skyteam", "WA"),
    Airline("LH", "Lufthansa", "DE", _E, "premium", ("FRA", "MUC"), "star", "CL"),
    Airline("LX", "Swiss International Air Lines", "CH", _E, "premium", ("ZRH", "GVA"), "star"),
    Airline("OS", "Austrian Airlines", "AT", _E, "premium", ("VIE",), "star"),
    Airline("SK", "SAS Scandinavian Airlines", "SE", _E, "premium", ("CPH", "ARN", "OSL")),
    Airline("IB", "Iberia", "ES", _E, "premium", ("MAD",), "oneworld"),
    Airline("AZ", "ITA Airways", "IT", _E, "premium", ("FCO", "LIN")),
    Airline("TP", "TAP Air Portugal", "PT", _E, "premium", ("LIS", "OPO"), "star"),
    Airline("AY", "Finnair", "FI", _E, "premium", ("HEL",), "oneworld"),
    Airline("EI", "Aer Lingus", "IE", _E, "premium", ("DUB",)),
    Airline("LO", "LOT Polish Airlines", "PL", _E, "premium", ("WAW",), "star"),
    Airline("TK", "Turkish Airlines", "TR", _E, "premium", ("IST",), "star"),
    Airline("EK", "Emirates", "AE", _ME, "premium", ("DXB",)),
    Airline("QR", "Qatar Airways", "QA", _ME, "premium", ("DOH",), "oneworld"),
    Airline("EY", "Etihad Airways", "AE", _ME, "premium", ("AUH",)),
    Airline(
        "AA",
        "American Airlines",
        "US",
        _NA,
        "premium",
        ("DFW", "CLT", "ORD", "MIA", "JFK", "PHL", "LAX"),
        "oneworld",
        "MQ",
    ),
    Airline(
        "DL",
        "Delta Air Lines",
        "US",
        _NA,
        "premium",
        ("ATL", "DTW", "MSP", "JFK", "LAX", "SEA", "SLC"),
        "skyteam",
        "9E",
    ),
    Airline(
        "UA",
        "United Airlines",
        "US",
        _NA,
        "premium",
        ("ORD", "EWR", "DEN", "IAH", "SFO", "IAD", "LAX"),
        "star",
        "OO",
    ),
    Airline("AC", "Air Canada", "CA", _NA, "premium", ("YYZ", "YUL", "YVR"), "star"),
    Airline("AS", "Alaska Airlines", "US", _NA, "premium", ("SEA", "PDX", "SFO"), "oneworld"),
    Airline("AM", "Aeromexico", "MX", _NA, "premium", ("MEX",), "skyteam"),
    Airline("CM", "Copa Airlines", "PA", _NA, "premium", ("PTY",), "star"),
    Airline("LA", "LATAM Airlines", "CL", _SA, "premium", ("SCL", "GRU", "LIM")),
    Airline("AV", "Avianca", "CO", _SA, "premium", ("BOG",), "star"),
    Airline("SQ", "Singapore Airlines", "SG", _AS, "premium", ("SIN",), "star"),
    Airline("CX", "Cathay Pacific", "HK", _AS, "premium", ("HKG",), "oneworld"),
    Airline("NH", "All Nippon Airways", "JP", _AS, "premium", ("HND", "NRT"), "star"),
    Airline("JL", "Japan Airlines", "JP", _AS, "premium", ("HND", "NRT"), "oneworld"),
    Airline("KE", "Korean Air", "KR", _AS, "premium", ("ICN",), "skyteam"),
    Airline("CA", "Air China", "CN", _AS, "premium", ("PEK",), "star"),
    Airline("MU", "China Eastern Airlines", "CN", _AS, "premium", ("PVG",), "skyteam"),
    Airline("AI", "Air India", "IN", _AS, "premium", ("DEL", "BOM"), "star"),
    Airline("TG", "Thai Airways", "TH", _AS, "premium", ("BKK",), "star"),
    Airline("MH", "Malaysia Airlines", "MY", _AS, "premium", ("KUL",), "oneworld"),
    Airline("QF", "Qantas", "AU", _OC, "premium", ("SYD", "MEL"), "oneworld"),
    Airline("NZ", "Air New Zealand", "NZ", _OC, "premium", ("AKL",), "star"),
    Airline("ET", "Ethiopian Airlines", "ET", _AF, "premium", ("ADD",), "star"),
    Airline("KQ", "Kenya Airways", "KE", _AF, "premium", ("NBO",), "skyteam"),
    Airline("SA", "South African Airways", "ZA", _AF, "premium", ("JNB",)),
    Airline("MS", "EgyptAir", "EG", _AF, "premium", ("CAI",), "star"),
    Airline("AT", "Royal Air Maroc", "MA", _AF, "premium", ("CMN",), "oneworld"),
    Airline("FR", "Ryanair", "IE", _E, "budget", ("STN", "DUB", "BGY", "CRL")),
    Airline("U2", "easyJet", "GB", _E, "budget", ("LGW", "LTN", "GVA")),
    Airline("W6", "Wizz Air", "HU", _E, "budget", ("BUD", "LTN", "OTP")),
    Airline("VY", "Vueling", "ES", _E, "budget", ("BCN",)),
    Airline("DY", "Norwegian Air Shuttle", "NO", _E, "budget", ("OSL",)),
    Airline("PC", "Pegasus Airlines", "TR", _E, "budget", ("SAW",)),
    Airline("WN", "Southwest Airlines", "US", _NA, "budget", ("MDW", "DAL", "BWI", "LAS")),
    Airline("NK", "Spirit Airlines", "US", _NA, "budget", ("FLL",)),
    Airline("F9", "Frontier Airlines", "US", _NA, "budget", ("DEN",)),
    Airline("B6", "JetBlue", "US", _NA, "budget", ("JFK", "BOS")),
    Airline("G3", "GOL Linhas Aereas", "BR", _SA, "budget", ("GRU", "CGH")),
    Airline("AK", "AirAsia", "MY", _AS, "budget", ("KUL",)),
    Airline("6E", "IndiGo", "IN", _AS, "budget", ("DEL",)),
    Airline("JQ", "Jetstar Airways", "AU", _OC, "budget", ("MEL",)),
    Airline("CJ", "BA CityFlyer", "GB", _E, "regional", ("LCY",)),
    Airline("A5", "HOP!", "FR", _E, "regional", ("ORY",)),
    Airline("WA", "KLM Cityhopper", "NL", _E, "regional", ("AMS",)),
    Airline("CL", "Lufthansa CityLine", "DE", _E, "regional", ("MUC",)),
    Airline("MQ", "Envoy Air", "US", _NA, "regional", ("DFW",)),
    Airline("9E", "Endeavor Air", "US", _NA, "regional", ("MSP",)),
    Airline("OO", "SkyWest Airlines", "US", _NA, "regional", ("SLC",)),
)

_BY_CODE = {airline.iata: airline for airline in AIRLINES}


def lookup_airline(code: str) -> Airline | None:
    """The airline with this IATA code (any case), or None when the table does not know it."""
    return _BY_CODE.get(code.strip().upper())


def marketing_airlines() -> tuple[Airline, ...]:
    """The airlines that sell tickets under their own code (everyone but regional operators)."""
    return tuple(airline for airline in AIRLINES if airline.tier != "regional")

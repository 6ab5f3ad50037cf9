"""Aircraft types by IATA code, and which one flies a leg of a given length."""

from __future__ import annotations

from guidera_grpc.sandbox.seeds import stable_int

AIRCRAFT: dict[str, str] = {
    "DH4": "De Havilland Canada Dash 8-400",
    "CR9": "Bombardier CRJ900",
    "E75": "Embraer 175",
    "E90": "Embraer 190",
    "319": "Airbus A319",
    "320": "Airbus A320",
    "32N": "Airbus A320neo",
    "321": "Airbus A321",
    "32Q": "Airbus A321neo",
    "73H": "Boeing 737-800",
    "7M8": "Boeing 737 MAX 8",
    "752": "Boeing 757-200",
    "333": "Airbus A330-300",
    "339": "Airbus A330-900neo",
    "359": "Airbus A350-900",
    "388": "Airbus A380-800",
    "788": "Boeing 787-8",
    "789": "Boeing 787-9",
    "77W": "Boeing 777-300ER",
}

_REGIONAL: tuple[str, ...] = ("DH4", "CR9", "E75", "E90")
_NARROW_SHORT: tuple[str, ...] = ("319", "320", "32N", "73H", "7M8")
_NARROW_LONG: tuple[str, ...] = ("321", "32Q", "73H", "752")
_WIDE: tuple[str, ...] = ("333", "339", "359", "388", "788", "789", "77W")
_BUDGET: tuple[str, ...] = ("320", "32N", "321", "73H", "7M8")


def aircraft_for(carrier: str, distance_km: float, *, budget: bool, regional: bool) -> str:
    """The aircraft code a carrier would use on a leg of this length."""
    if budget:
        choices = _BUDGET
    elif regional:
        choices = _REGIONAL
    elif distance_km < 1800:
        choices = _NARROW_SHORT
    elif distance_km < 4200:
        choices = _NARROW_LONG
    else:
        choices = _WIDE
    return choices[stable_int(carrier, round(distance_km, -2)) % len(choices)]

"""Vehicle classes by ACRISS code, with an example model and what fits in the car.

Europe and the rest of the world rent small manual cars; North America rents automatics in
larger classes. Each class has a base price in euros a day before the vendor's, the
country's and the day's factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: OTA VehicleCategory codes used here.
CAR, VAN, SUV, CONVERTIBLE, WAGON = 1, 2, 3, 4, 8

_AUTOMATIC = frozenset("ABD")
_AIR_CONDITIONED = frozenset("RDHELAMVU")


@dataclass(frozen=True, slots=True)
class VehicleClass:
    """One ACRISS class as a rental company fleets it."""

    acriss: str
    model: str
    category: int
    size: int
    """OTA VehClass Size: 1 mini, 3 economy, 4 compact, 6 intermediate, 7 standard, ..."""
    seats: int
    doors: int
    bags: int
    fuel: str
    eur_per_day: Decimal

    @property
    def automatic(self) -> bool:
        """The third ACRISS letter says automatic (A, B or D)."""
        return self.acriss[2] in _AUTOMATIC

    @property
    def air_conditioning(self) -> bool:
        """The fourth ACRISS letter says air conditioned."""
        return self.acriss[3] in _AIR_CONDITIONED

    @property
    def luxury(self) -> bool:
        """Premium and luxury classes, rented only to drivers of 25 and over."""
        return self.acriss[0] in "PLUW" and self.category != VAN

    @property
    def vehicle_name(self) -> str:
        """``Volkswagen Golf or similar``."""
        return f"{self.model} or similar"


def _car(
    acriss: str,
    model: str,
    category: int,
    size: int,
    room: tuple[int, int, int],
    fuel: str,
    eur_per_day: str,
) -> VehicleClass:
    seats, doors, bags = room
    return VehicleClass(
        acriss, model, category, size, seats, doors, bags, fuel, Decimal(eur_per_day)
    )


EUROPEAN_FLEET: tuple[VehicleClass, ...] = (
    _car("MBMR", "Fiat 500", CAR, 1, (4, 3, 1), "Petrol", "27"),
    _car("EDMR", "Volkswagen Polo", CAR, 3, (5, 5, 2), "Petrol", "31"),
    _car("EDAR", "Peugeot 208 Automatic", CAR, 3, (5, 5, 2), "Petrol", "36"),
    _car("EDAE", "Peugeot e-208", CAR, 3, (5, 5, 2), "Electric", "39"),
    _car("CDMR", "Volkswagen Golf", CAR, 4, (5, 5, 3), "Petrol", "38"),
    _car("CDAR", "Ford Focus Automatic", CAR, 4, (5, 5, 3), "Petrol", "44"),
    _car("CWMR", "Skoda Octavia Estate", WAGON, 4, (5, 5, 4), "Diesel", "47"),
    _car("IDAR", "Volkswagen Passat", CAR, 6, (5, 4, 3), "Diesel", "53"),
    _car("SFAR", "Volkswagen Tiguan", SUV, 7, (5, 5, 3), "Petrol", "64"),
    _car("LDAR", "Mercedes-Benz E-Class", CAR, 9, (5, 4, 3), "Diesel", "108"),
    _car("PVMR", "Ford Tourneo Custom", VAN, 10, (9, 4, 4), "Diesel", "92"),
)

NORTH_AMERICAN_FLEET: tuple[VehicleClass, ...] = (
    _car("ECAR", "Mitsubishi Mirage", CAR, 3, (5, 4, 2), "Petrol", "34"),
    _car("CCAR", "Nissan Versa", CAR, 4, (5, 4, 2), "Petrol", "37"),
    _car("ICAR", "Toyota Corolla", CAR, 6, (5, 4, 3), "Petrol", "41"),
    _car("SCAR", "Volkswagen Jetta", CAR, 7, (5, 4, 3), "Petrol", "45"),
    _car("FCAR", "Toyota Camry", CAR, 8, (5, 4, 4), "Petrol", "49"),
    _car("IFAR", "Toyota RAV4", SUV, 6, (5, 5, 3), "Petrol", "55"),
    _car("SFAR", "Ford Edge", SUV, 7, (5, 5, 4), "Petrol", "62"),
    _car("STAR", "Ford Mustang Convertible", CONVERTIBLE, 7, (4, 2, 2), "Petrol", "79"),
    _car("MVAR", "Chrysler Pacifica", VAN, 11, (7, 5, 4), "Petrol", "84"),
    _car("LCAR", "Cadillac CT5", CAR, 9, (5, 4, 3), "Petrol", "96"),
)


def fleet_for(region: str) -> tuple[VehicleClass, ...]:
    """The classes rented in a world region (as ``flights.regions.region_of`` names them)."""
    return NORTH_AMERICAN_FLEET if region == "north_america" else EUROPEAN_FLEET

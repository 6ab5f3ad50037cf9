"""CarTrawler availability (``OTA_VehAvailRateRS`` in JSON-OTA) → unified car ``Offer``\\ s.

``ota`` reads CarTrawler's JSON form of OpenTravel XML (and XML itself); ``places`` makes the
pick-up and drop-off places; ``vehicle`` the car's details; ``charges`` its price and what is
paid at the counter; ``conditions`` its refund status and notes; ``answer`` puts them together.
"""

from guidera_grpc.normalizers.cartrawler_cars.answer import PROVIDER, normalize_cartrawler_cars
from guidera_grpc.normalizers.cartrawler_cars.ota import (
    attr,
    flag,
    ota_items,
    text_of,
    xml_to_json,
)

__all__ = [
    "PROVIDER",
    "attr",
    "flag",
    "normalize_cartrawler_cars",
    "ota_items",
    "text_of",
    "xml_to_json",
]

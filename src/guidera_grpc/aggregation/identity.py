"""Stable identities: the key of a flight itinerary, and the offer id derived from a key.

Two flight offers are the same itinerary when they fly the same marketing flights, on the
same local departure times, in the same cabin; the fare brand or the seller does not matter.
"""

from __future__ import annotations

import hashlib

from guidera.v1 import offer_pb2


def flight_key(details: offer_pb2.FlightDetails) -> str:
    """A readable key of the flights: ``BA117@JFK2027-03-10T19:30>LHR|...#3``."""
    legs = [
        f"{seg.marketing_carrier.iata_code}{seg.marketing_flight_number.lstrip('0')}"
        f"@{seg.origin.iata_code}{seg.departure_local_time[:16]}>{seg.destination.iata_code}"
        for flight_slice in details.slices
        for seg in flight_slice.segments
    ]
    return "|".join(legs) + f"#{details.cabin}"


def offer_id_for(key: str) -> str:
    """A short, URL-safe id derived from the key, the same in every process and run."""
    digest = hashlib.blake2b(key.encode(), digest_size=12).hexdigest()
    return f"off_{digest}"

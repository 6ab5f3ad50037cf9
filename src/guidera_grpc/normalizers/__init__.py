"""Supplier payloads → the unified model: pure functions, one module a supplier.

Each ``normalize_*_flights`` takes a decoded search answer and returns ``offer_pb2.Offer``\\ s,
each with exactly one ``ProviderPrice`` and no offer id (identity across suppliers belongs to
aggregation). An offer that lacks a required field is skipped with a warning; a body of the
wrong shape raises ``MalformedResponseError``. ``money`` and ``common`` hold what they share.
"""

from guidera_grpc.normalizers.amadeus_flights import normalize_amadeus_flights
from guidera_grpc.normalizers.duffel_flights import normalize_duffel_flights
from guidera_grpc.normalizers.kiwi_flights import normalize_kiwi_flights

__all__ = ["normalize_amadeus_flights", "normalize_duffel_flights", "normalize_kiwi_flights"]

"""What every flight normalizer shares: reading loose JSON, times, places, cabins, assembly.

Suppliers disagree on shapes but not on facts. The helpers here hold the facts once:

* reading optional fields so that an absent or null value never crashes a normalizer, and a
  missing required one skips only its offer (``MissingFieldError``, see ``normalize_each``);
* ISO-8601 durations (zero-padded ``PT02H26M`` and day parts included);
* local wall-clock times (naive, any misleading ``Z`` dropped) and UTC instants from an
  airport's IANA zone;
* airports as ``Place`` from reference data, completed by what the supplier said;
* each supplier's cabin codes;
* the assembly of one ``Offer`` with its single ``ProviderPrice``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.protobuf import duration_pb2, timestamp_pb2
from guidera.v1 import common_pb2, offer_pb2

from guidera_grpc.normalizers.money import to_money
from guidera_grpc.providers.errors import MalformedResponseError
from guidera_grpc.reference.airports import lookup_airport

logger = logging.getLogger(__name__)

Json: TypeAlias = Mapping[str, Any]
Cabin: TypeAlias = common_pb2.Cabin.ValueType

#: Errors that mean "this one offer cannot be read"; its siblings are still normalized.
OFFER_ERRORS: Final = (LookupError, TypeError, ValueError, ArithmeticError)

_EMPTY: Final[Json] = MappingProxyType({})


class MissingFieldError(ValueError):
    """A field an offer cannot do without is absent, null or empty."""


# Loose JSON.


def as_mapping(value: object) -> Json:
    """``value`` when it is a JSON object, else an empty one (absent, null, wrong type)."""
    return value if isinstance(value, dict) else _EMPTY


def field_map(obj: Json, key: str) -> Json:
    """The object under ``key``, or an empty one."""
    value = obj.get(key)
    return value if isinstance(value, dict) else _EMPTY


def field_list(obj: Json, key: str) -> list[Any]:
    """The array under ``key``, or an empty one."""
    value = obj.get(key)
    return value if isinstance(value, list) else []


def field_str(obj: Json, key: str) -> str:
    """The text under ``key`` (numbers written out), or "" when absent, null or not text."""
    value = obj.get(key)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def field_int(obj: Json, key: str) -> int | None:
    """The whole number under ``key`` (digits in a string accepted), or None."""
    value = obj.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def required(obj: Json, key: str) -> Any:
    """The value under ``key``; absent, null, "" and [] raise ``MissingFieldError``."""
    value = obj.get(key)
    if value is None or value == "" or value == []:
        raise MissingFieldError(key)
    return value


def required_str(obj: Json, key: str) -> str:
    """The non-empty text under ``key``."""
    text = field_str(obj, key)
    if not text:
        raise MissingFieldError(key)
    return text


def top_level(provider: str, payload: object) -> Json:
    """The body as a JSON object, or ``MalformedResponseError``."""
    if not isinstance(payload, dict):
        raise MalformedResponseError(provider, f"expected a JSON object, got {_kind(payload)}")
    return payload


def top_level_list(provider: str, obj: Json, key: str) -> list[Any]:
    """The array every search body carries, or ``MalformedResponseError``."""
    value = obj.get(key)
    if not isinstance(value, list):
        raise MalformedResponseError(provider, f"expected '{key}' to be an array")
    return value


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


# Durations.

_ISO_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def parse_iso_duration(text: str) -> dt.timedelta:
    """An ISO-8601 duration of weeks, days, hours, minutes and seconds (``PT02H26M``).

    Years and months have no fixed length and are refused, as is an empty ``P`` or ``PT``.
    Results are cached: a search answer repeats the same few durations many times.
    """
    match = _ISO_DURATION.fullmatch(text.strip())
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"not an ISO-8601 duration: {text!r}")
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    return dt.timedelta(**parts)


def duration_of(td: dt.timedelta) -> duration_pb2.Duration:
    """A protobuf Duration of ``td`` (seconds and nanos share its sign)."""
    micros = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    seconds, rest = divmod(abs(micros), 1_000_000)
    sign = -1 if micros < 0 else 1
    return duration_pb2.Duration(seconds=sign * seconds, nanos=sign * rest * 1000)


def optional_duration(text: str) -> dt.timedelta | None:
    """``parse_iso_duration`` for an optional field: None when absent or unreadable."""
    if not text:
        return None
    try:
        return parse_iso_duration(text)
    except ValueError:
        logger.debug("unreadable duration", extra={"fields": {"value": text}})
        return None


# Times.

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def parse_local_time(text: str) -> dt.datetime:
    """A local wall-clock time as naive datetime; any ``Z`` or offset suffix is dropped.

    Kiwi marks local times with a ``Z`` although they are not UTC; the clock reading is what
    counts, so the suffix is ignored for every supplier alike.
    """
    return dt.datetime.fromisoformat(text.strip()).replace(tzinfo=None)


def format_local_time(moment: dt.datetime) -> str:
    """``2027-03-10T19:30:00``: local time as the unified model writes it."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def parse_instant(text: str) -> dt.datetime:
    """A UTC instant from ISO-8601 text; a time without offset is taken as UTC."""
    moment = dt.datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


@functools.lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_to_utc(local: dt.datetime, zone_name: str) -> dt.datetime | None:
    """The UTC instant of a naive local time in ``zone_name``; None when the zone is unknown."""
    tz = zone(zone_name)
    if tz is None:
        return None
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def timestamp_of(moment: dt.datetime) -> timestamp_pb2.Timestamp:
    """A protobuf Timestamp of an aware datetime."""
    since = moment - _EPOCH
    seconds = since.days * 86_400 + since.seconds
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=since.microseconds * 1000)


# Places.


@dataclass(frozen=True, slots=True)
class PlaceHints:
    """What a supplier says about an airport, used where reference data is silent."""

    name: str = ""
    city_name: str = ""
    city_code: str = ""
    country_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    time_zone: str = ""


NO_HINTS: Final = PlaceHints()


@functools.lru_cache(maxsize=4096)
def airport_place(code: str, hints: PlaceHints = NO_HINTS) -> common_pb2.Place:
    """The ``Place`` of an airport: reference data first, the supplier's hints to fill gaps.

    Reference data wins for static facts so that one airport reads the same whatever the
    supplier; a supplier's explicit time zone wins because its local times are written in it.
    The result is shared through a cache: copy it (``CopyFrom``), never change it.
    """
    code = code.strip().upper()
    airport = lookup_airport(code) if code else None
    place = common_pb2.Place(iata_code=code)
    if airport is not None:
        place.name = airport.name
        place.city_name = airport.city
        place.city_code = airport.city_code
        place.country_code = airport.country
        place.latitude, place.longitude, place.has_coordinates = airport.lat, airport.lon, True
        place.time_zone = airport.tz
    _fill_from_hints(place, hints)
    return place


def _fill_from_hints(place: common_pb2.Place, hints: PlaceHints) -> None:
    place.name = place.name or hints.name
    place.city_name = place.city_name or hints.city_name
    place.city_code = place.city_code or hints.city_code.upper()
    place.country_code = place.country_code or hints.country_code.upper()
    if zone(hints.time_zone) is not None:
        place.time_zone = hints.time_zone
    if not place.has_coordinates and hints.latitude is not None and hints.longitude is not None:
        place.latitude, place.longitude, place.has_coordinates = (
            hints.latitude,
            hints.longitude,
            True,
        )


# Cabins.

AMADEUS_CABINS: Final[Mapping[str, Cabin]] = {
    "ECONOMY": common_pb2.CABIN_ECONOMY,
    "PREMIUM_ECONOMY": common_pb2.CABIN_PREMIUM_ECONOMY,
    "BUSINESS": common_pb2.CABIN_BUSINESS,
    "FIRST": common_pb2.CABIN_FIRST,
}
DUFFEL_CABINS: Final[Mapping[str, Cabin]] = {
    "economy": common_pb2.CABIN_ECONOMY,
    "premium_economy": common_pb2.CABIN_PREMIUM_ECONOMY,
    "business": common_pb2.CABIN_BUSINESS,
    "first": common_pb2.CABIN_FIRST,
}
KIWI_CABINS: Final[Mapping[str, Cabin]] = {
    "M": common_pb2.CABIN_ECONOMY,
    "W": common_pb2.CABIN_PREMIUM_ECONOMY,
    "C": common_pb2.CABIN_BUSINESS,
    "F": common_pb2.CABIN_FIRST,
}


def cabin_from(codes: Mapping[str, Cabin], code: str) -> Cabin:
    """Our cabin for a supplier's code (exact spelling first, then any case); else unspecified."""
    cabin = codes.get(code)
    if cabin is None:
        folded = code.casefold()
        cabin = next((v for k, v in codes.items() if k.casefold() == folded), None)
    return common_pb2.CABIN_UNSPECIFIED if cabin is None else cabin


def cabin_code(codes: Mapping[str, Cabin], cabin: Cabin) -> str:
    """The supplier's code for our cabin; an unspecified cabin searches economy."""
    wanted = common_pb2.CABIN_ECONOMY if cabin == common_pb2.CABIN_UNSPECIFIED else cabin
    return next(code for code, value in codes.items() if value == wanted)


def main_cabin(segments: Iterable[offer_pb2.Segment]) -> Cabin:
    """The cabin of most segments (the first one seen on a tie); unspecified when none says."""
    counts = Counter(s.cabin for s in segments if s.cabin != common_pb2.CABIN_UNSPECIFIED)
    if not counts:
        return common_pb2.CABIN_UNSPECIFIED
    return counts.most_common(1)[0][0]


# Flight numbers and carriers.

_FLIGHT_NUMBER = re.compile(r"(\d{1,5})([A-Za-z]?)")


def flight_number(value: object) -> str:
    """A flight number without leading zeros (``"0221"`` → ``"221"``), any suffix letter kept."""
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    match = _FLIGHT_NUMBER.fullmatch(text)
    return f"{int(match[1])}{match[2].upper()}" if match else text


def carrier(code: str, name: str = "") -> offer_pb2.Carrier:
    """A ``Carrier`` from an IATA designator and a name, when known."""
    return offer_pb2.Carrier(iata_code=code.strip().upper(), name=name)


# Assembly.


def price_of(
    currency: str,
    total: Decimal,
    *,
    base: Decimal | None = None,
    taxes: Decimal | None = None,
    fees: Decimal | None = None,
) -> common_pb2.Price:
    """A ``Price`` whose parts are all in ``currency``.

    When taxes are not given but base is, taxes are what remains of the total once base and
    fees are taken out; a negative remainder means the parts do not add up, so taxes stay
    unknown rather than wrong.
    """
    if taxes is None and base is not None:
        remainder = total - base - (fees or Decimal(0))
        taxes = remainder if remainder >= 0 else None
    price = common_pb2.Price(total=to_money(total, currency))
    for name, amount in (("base", base), ("taxes", taxes), ("fees", fees)):
        if amount is not None:
            getattr(price, name).CopyFrom(to_money(amount, currency))
    return price


def slice_of(
    segments: Sequence[offer_pb2.Segment], duration: dt.timedelta | None = None
) -> offer_pb2.Slice:
    """A ``Slice`` over ``segments``; without a given duration, first departure to last arrival."""
    if not segments:
        raise MissingFieldError("segments")
    journey = offer_pb2.Slice(segments=segments)
    journey.origin.CopyFrom(segments[0].origin)
    journey.destination.CopyFrom(segments[-1].destination)
    first, last = segments[0], segments[-1]
    if duration is None and first.HasField("departure_time") and last.HasField("arrival_time"):
        duration = last.arrival_time.ToDatetime() - first.departure_time.ToDatetime()
    if duration is not None:
        journey.duration.CopyFrom(duration_of(duration))
    return journey


def set_times(
    segment: offer_pb2.Segment,
    departure: tuple[dt.datetime, dt.datetime | None],
    arrival: tuple[dt.datetime, dt.datetime | None],
    duration: dt.timedelta | None = None,
) -> None:
    """Write local times, UTC instants (when known) and the duration onto ``segment``.

    Each of ``departure`` and ``arrival`` is (local naive, UTC or None). Without a given
    duration it is computed from the two instants when both are known.
    """
    (dep_local, dep_utc), (arr_local, arr_utc) = departure, arrival
    segment.departure_local_time = format_local_time(dep_local)
    segment.arrival_local_time = format_local_time(arr_local)
    if dep_utc is not None:
        segment.departure_time.CopyFrom(timestamp_of(dep_utc))
    if arr_utc is not None:
        segment.arrival_time.CopyFrom(timestamp_of(arr_utc))
    if duration is None and dep_utc is not None and arr_utc is not None:
        duration = arr_utc - dep_utc
    if duration is not None:
        segment.duration.CopyFrom(duration_of(duration))


@dataclass(frozen=True, slots=True)
class OfferParts:
    """Everything one supplier offer says, ready to become an ``Offer``."""

    provider: str
    provider_offer_id: str
    price: common_pb2.Price
    slices: Sequence[offer_pb2.Slice]
    conditions: common_pb2.Conditions | None = None
    expire_time: dt.datetime | None = None
    validating_carriers: Sequence[str] = ()
    self_transfer: bool = False
    seats_left: int | None = None


def flight_offer(parts: OfferParts) -> offer_pb2.Offer:
    """An ``Offer`` with one ``ProviderPrice`` (this supplier's), no offer id yet."""
    details = offer_pb2.FlightDetails(
        slices=parts.slices,
        cabin=main_cabin(s for journey in parts.slices for s in journey.segments),
        validating_carriers=parts.validating_carriers,
        self_transfer=parts.self_transfer,
        seats_left=parts.seats_left,
    )
    seller = common_pb2.ProviderPrice(
        provider=parts.provider, price=parts.price, provider_offer_id=parts.provider_offer_id
    )
    offer = offer_pb2.Offer(
        category=common_pb2.CATEGORY_FLIGHTS,
        price=parts.price,
        provider_prices=[seller],
        conditions=parts.conditions or common_pb2.Conditions(),
        flight=details,
    )
    if parts.expire_time is not None:
        expiry = timestamp_of(parts.expire_time)
        offer.expire_time.CopyFrom(expiry)
        offer.provider_prices[0].expire_time.CopyFrom(expiry)
    return offer


def normalize_each(
    provider: str, items: Iterable[Any], build: Callable[[Json], offer_pb2.Offer]
) -> list[offer_pb2.Offer]:
    """Run ``build`` on each supplier offer; one that cannot be read is skipped and logged."""
    offers: list[offer_pb2.Offer] = []
    for index, item in enumerate(items):
        try:
            offers.append(build(as_mapping(item)))
        except OFFER_ERRORS as error:
            _log_skipped(provider, index, item, error)
    return offers


def _log_skipped(provider: str, index: int, item: object, error: Exception) -> None:
    offer_id = field_str(item, "id") if isinstance(item, Mapping) else ""
    reason = f"missing {error}" if isinstance(error, MissingFieldError) else repr(error)
    logger.warning(
        "skipped an offer that could not be normalized",
        extra={
            "fields": {"provider": provider, "index": index, "offer_id": offer_id, "reason": reason}
        },
    )

"""CarTrawler car availability: ``POST /cartrawlerota/json?type=OTA_VehAvailRateRQ``.

CarTrawler speaks OpenTravel messages written as JSON, and authenticates in the body: the
client id is ``POS/Source/RequestorID/@ID`` and no HTTP header carries a secret. Times go as
local wall-clock times without an offset; places as IATA airport or city codes.

A refusal usually comes back with HTTP 200 and an OTA ``Errors`` element whose ``@Type`` is
from the OpenTravel EWT list (4, 5, 6 and 9: authentication; 2, 3, 7 and 10: our request;
others: CarTrawler's failure). A body that is not JSON may be the same answer in XML.
``error_from`` is the one place where any of these becomes ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final

import aiohttp
import orjson
from guidera.v1 import offer_pb2

from guidera_grpc.config import Settings
from guidera_grpc.normalizers.cartrawler_cars import (
    attr,
    normalize_cartrawler_cars,
    ota_items,
    text_of,
    xml_to_json,
)
from guidera_grpc.normalizers.common import format_local_time
from guidera_grpc.providers.errors import (
    AuthenticationError,
    InvalidRequestError,
    MalformedResponseError,
    ProviderError,
    RateLimitedError,
    UpstreamError,
)
from guidera_grpc.providers.http import (
    Call,
    Deadline,
    Reply,
    clip,
    exchange,
    redact,
    require_secret,
    retry_after_s,
)
from guidera_grpc.search.params import CarSearch

logger = logging.getLogger(__name__)

CODE: Final = "cartrawler"
OTA_PATH: Final = "/cartrawlerota/json"
AVAILABILITY: Final = "OTA_VehAvailRateRQ"
NAMESPACE: Final = "http://www.opentravel.org/OTA/2003/05"
VERSION: Final = "1.005"
AUTHENTICATION_TYPES: Final = frozenset({"4", "5", "6", "9"})
REQUEST_TYPES: Final = frozenset({"2", "3", "7", "10"})


class CarTrawlerCars:
    """The CarTrawler car adapter (``CarProvider``)."""

    code = CODE

    def __init__(self, session: aiohttp.ClientSession, settings: Settings) -> None:
        self._session = session
        self._base_url = settings.cartrawler_base_url.rstrip("/")
        self._client_id = settings.cartrawler_client_id
        self._target = settings.cartrawler_target

    async def search_cars(self, search: CarSearch, *, timeout_s: float) -> list[offer_pb2.Offer]:
        """Normalized offers for ``search``; ``ProviderError`` on any failure."""
        client_id = require_secret(CODE, self._client_id, "CARTRAWLER_CLIENT_ID")
        deadline = Deadline(CODE, timeout_s)
        call = Call(
            "POST",
            f"{self._base_url}{OTA_PATH}",
            {"Content-Type": "application/json", "Accept": "application/json"},
            params={"type": AVAILABILITY},
            json=availability_request(search, client_id, self._target),
        )

        reply = await exchange(self._session, CODE, call, deadline)
        body = read_body(reply)
        if not reply.ok or body is None or "Errors" in body:
            raise error_from(reply, (client_id,))
        _log_warnings(body)

        return normalize_cartrawler_cars(body, search)


def availability_request(search: CarSearch, client_id: str, target: str) -> dict[str, Any]:
    """The ``OTA_VehAvailRateRQ`` body for ``search``."""
    return {
        "@xmlns": NAMESPACE,
        "@Version": VERSION,
        "@Target": target,
        "@PrimaryLangID": "EN",
        "POS": {
            "Source": {
                "@ISOCurrency": search.currency,
                "RequestorID": {"@Type": "16", "@ID": client_id, "@ID_Context": "CARTRAWLER"},
            }
        },
        "VehAvailRQCore": {
            "@Status": "Available",
            "VehRentalCore": {
                "@PickUpDateTime": format_local_time(search.pick_up_at),
                "@ReturnDateTime": format_local_time(search.drop_off_at),
                "PickUpLocation": {"@CodeContext": "IATA", "@LocationCode": search.pick_up},
                "ReturnLocation": {"@CodeContext": "IATA", "@LocationCode": search.drop_off},
            },
            "DriverType": {"@Age": str(search.driver_age)},
        },
        "VehAvailRQInfo": {"@PassengerQty": "1"},
    }


def read_body(reply: Reply) -> Mapping[str, Any] | None:
    """The answer as a JSON-OTA object (XML converted), or None when it is neither."""
    try:
        body = orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        try:
            return xml_to_json(reply.text())
        except ValueError:
            return None
    return body if isinstance(body, dict) else None


def error_from(reply: Reply, secrets: Iterable[str] = ()) -> ProviderError:
    """The one place where a CarTrawler failure becomes ours; ``secrets`` are scrubbed."""
    status = reply.status
    body = read_body(reply)
    issues = ota_items(body.get("Errors"), "Error") if body is not None else []
    if not issues:
        return _http_error(reply, secrets)

    types = {attr(issue, "Type") for issue in issues}
    message = redact(clip("; ".join(map(_describe, issues))), secrets)
    if types & AUTHENTICATION_TYPES or status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if status == 429:
        return RateLimitedError(CODE, message, retry_after=retry_after_s(reply.headers))
    if types & REQUEST_TYPES and status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _http_error(reply: Reply, secrets: Iterable[str]) -> ProviderError:
    status = reply.status
    text = redact(clip(reply.text()), secrets)
    message = f"HTTP {status}: {text}" if text else f"HTTP {status}"
    if reply.ok:
        return MalformedResponseError(
            CODE, "answer is neither JSON-OTA nor XML", http_status=status
        )
    if status in (401, 403):
        return AuthenticationError(CODE, message, http_status=status)
    if status == 429:
        return RateLimitedError(CODE, message, retry_after=retry_after_s(reply.headers))
    if 400 <= status < 500:
        return InvalidRequestError(CODE, message, http_status=status)
    return UpstreamError(CODE, message, http_status=status)


def _describe(issue: Mapping[str, Any]) -> str:
    """``Authentication failed (type 4, code 497): <text>``."""
    short = attr(issue, "ShortText") or "error"
    kind = ", ".join(
        f"{label} {value}"
        for label, value in (("type", attr(issue, "Type")), ("code", attr(issue, "Code")))
        if value
    )
    head = f"{short} ({kind})" if kind else short
    text = text_of(issue)
    return f"{head}: {text}" if text and text != short else head


def _log_warnings(body: Mapping[str, Any]) -> None:
    for warning in ota_items(body.get("Warnings"), "Warning"):
        logger.debug(
            "supplier warning",
            extra={
                "fields": {
                    "provider": CODE,
                    "type": attr(warning, "Type"),
                    "warning": attr(warning, "ShortText") or text_of(warning),
                }
            },
        )

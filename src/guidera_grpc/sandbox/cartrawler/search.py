"""CarTrawler availability handler: ``POST /cartrawlerota/json?type=OTA_VehAvailRateRQ``.

The client id travels in the body (``POS/Source/RequestorID/@ID``), so the body is read before
anything is checked; refusals come back as OTA ``Errors`` with HTTP 200.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.cars.catalog import find_car_offers
from guidera_grpc.sandbox.cartrawler import errors
from guidera_grpc.sandbox.cartrawler.ota import VERSION
from guidera_grpc.sandbox.cartrawler.query import (
    MISSING,
    attribute,
    from_body,
    requestor_id,
    target,
)
from guidera_grpc.sandbox.cartrawler.render import availability
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import BadParameter, json_response

SUPPLIER = "cartrawler"
AVAILABILITY = "OTA_VehAvailRateRQ"


async def search(request: web.Request) -> web.StreamResponse:
    """Cars available between two places and times."""
    message_type = request.query.get("type", "")
    if message_type != AVAILABILITY:
        return errors.unsupported_type(message_type)
    body = await _body(request)
    if body is None:
        return errors.unreadable_body()
    answer_target = target(body)
    client_id = requestor_id(body)
    if client_id != SANDBOX_CREDENTIALS["cartrawler_client_id"]:
        return errors.bad_client(client_id, answer_target)

    try:
        parsed = from_body(body)
    except BadParameter as bad:
        if bad.detail == MISSING:
            return errors.missing(bad.field, answer_target)
        return errors.invalid(bad.field, bad.detail, answer_target)

    knobs = request.config_dict[SANDBOX].knobs[SUPPLIER]
    offers = find_car_offers(parsed.query, parsed.currency, knobs.offers)
    version = attribute(body, "Version") or VERSION
    return json_response(availability(offers, parsed, answer_target, version))


async def _body(request: web.Request) -> Mapping[str, Any] | None:
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None

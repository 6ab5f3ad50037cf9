"""``GET /v3/properties/availability``: rates for up to 250 properties, as a JSON array.

Properties without availability are left out, so an empty array means none. The ``Test``
header asks for Rapid's canned answers: ``standard`` (a normal answer),
``service_unavailable`` (503) and ``unknown_internal_error`` (500).
"""

from __future__ import annotations

from aiohttp import web

from guidera_grpc.sandbox.expedia import errors
from guidera_grpc.sandbox.expedia.auth import check_signature
from guidera_grpc.sandbox.expedia.params import Invalid
from guidera_grpc.sandbox.expedia.query import read_query
from guidera_grpc.sandbox.expedia.render import render_property
from guidera_grpc.sandbox.stays.assortment import SELLERS, find_listing
from guidera_grpc.sandbox.wire import json_response

TEST_ANSWERS = {
    "service_unavailable": errors.unavailable,
    "unknown_internal_error": errors.server_error,
}


async def availability(request: web.Request) -> web.StreamResponse:
    """Rooms and rates of the properties asked for, for the stay and rooms asked."""
    denied = check_signature(request)
    if denied is not None:
        return denied
    scenario = request.headers.get("Test", "standard")
    if scenario in TEST_ANSWERS:
        return TEST_ANSWERS[scenario](request)
    if scenario != "standard":
        return errors.error(
            400,
            "invalid_input",
            "An invalid request was sent in, please check the nested errors for details.",
            fields=[errors.field("test", scenario, "header")],
        )
    try:
        query = read_query(request.query)
    except Invalid as bad:
        return bad.response()

    seller = SELLERS["expedia"]
    found = (find_listing(seller, pid) for pid in query.property_ids)
    answer = [
        rendered
        for listing in found
        if listing is not None and (rendered := render_property(listing, query)) is not None
    ]
    return json_response(answer)

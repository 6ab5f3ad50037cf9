"""GetYourGuide handlers: ``GET /1/tours`` and ``GET /1/tours/{tour_id}/availabilities``.

Both want the partner's token in ``X-ACCESS-TOKEN`` and ``cnt_language`` and ``currency`` in
the query. The ``offers`` knob caps how many tours one answer holds.
"""

from __future__ import annotations

import datetime as dt
import hmac

from aiohttp import web

from guidera_grpc.config import SANDBOX_CREDENTIALS
from guidera_grpc.sandbox.activities.catalog import Experience, by_product_id, search
from guidera_grpc.sandbox.activities.specs import GYG
from guidera_grpc.sandbox.getyourguide import errors
from guidera_grpc.sandbox.getyourguide.query import ToursQuery, common, date_range, tours_query
from guidera_grpc.sandbox.getyourguide.render import availabilities, metadata, ordered, tour
from guidera_grpc.sandbox.state import SANDBOX
from guidera_grpc.sandbox.wire import BadParameter, json_response

TOKEN_HEADER = "X-ACCESS-TOKEN"
TOURS_METHOD = "getToursAction"
AVAILABILITIES_METHOD = "getTourAvailabilitiesAction"
DEFAULT_DAYS = 30
MAX_AVAILABILITY_DAYS = 31


def check_token(request: web.Request) -> web.StreamResponse | None:
    """The 401 a request without the right access token gets, or None."""
    token = request.headers.get(TOKEN_HEADER, "").strip()
    if not token:
        return errors.unauthorized(request, missing=True)
    expected = SANDBOX_CREDENTIALS["getyourguide_access_token"]
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return errors.unauthorized(request, missing=False)
    return None


async def list_tours(request: web.Request) -> web.StreamResponse:
    """Search tours by place, dates and words."""
    denied = check_token(request)
    if denied is not None:
        return denied
    try:
        parsed = tours_query(request.query)
    except BadParameter as bad:
        return errors.invalid(request, bad.field, bad.detail, TOURS_METHOD)
    found = ordered(_found(parsed), parsed.sort_field, parsed.descending)
    cap = request.config_dict[SANDBOX].knobs[GYG].offers
    page = found[parsed.offset : parsed.offset + min(parsed.limit, cap)]
    languages = sorted({language for e in found for language in e.languages})
    currency = parsed.common.currency
    return json_response(
        {
            "_metadata": metadata(
                TOURS_METHOD,
                request.query_string,
                currency,
                total=len(found),
                limit=len(page),
                offset=parsed.offset,
                languages=languages,
            ),
            "data": {"tours": [tour(experience, currency) for experience in page]},
        }
    )


async def tour_availabilities(request: web.Request) -> web.StreamResponse:
    """The start times and vacancies of one tour over a few days."""
    denied = check_token(request)
    if denied is not None:
        return denied
    experience = by_product_id(GYG, request.match_info["tour_id"])
    if experience is None:
        return errors.not_found(request)
    try:
        shared = common(request.query)
        days = _days(date_range(request.query))
    except BadParameter as bad:
        return errors.invalid(request, bad.field, bad.detail, AVAILABILITIES_METHOD)
    slots = availabilities(experience, days)
    meta = metadata(
        AVAILABILITIES_METHOD,
        request.query_string,
        shared.currency,
        total=len(slots),
        limit=len(slots),
        offset=0,
        languages=list(experience.languages),
    )
    return json_response({"_metadata": meta, "data": {"availabilities": slots}})


def _found(parsed: ToursQuery) -> list[Experience]:
    if parsed.city is None:
        return []
    first, last = parsed.dates or _default_range()
    return search(GYG, parsed.city.code, first, last, parsed.text)


def _days(dates: tuple[dt.date, dt.date] | None) -> list[dt.date]:
    first, last = dates or (dt.date.today(), dt.date.today() + dt.timedelta(days=6))
    span = (last - first).days + 1
    if span > MAX_AVAILABILITY_DAYS:
        raise BadParameter("date[]", f"at most {MAX_AVAILABILITY_DAYS} days at a time")
    return [first + dt.timedelta(days=offset) for offset in range(span)]


def _default_range() -> tuple[dt.date, dt.date]:
    today = dt.date.today()
    return today, today + dt.timedelta(days=DEFAULT_DAYS)

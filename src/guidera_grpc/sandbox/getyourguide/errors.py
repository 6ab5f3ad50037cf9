"""GetYourGuide error answers.

400, 401 and 404 share one JSON body: ``{descriptor, apiVersion, method, date, status: "ERROR",
query, errors: [{errorCode, errorMessage}], helpURL}``, where ``query`` echoes the query string
(credentials travel in a header, never there). 403, 405, 429 and 500 carry no useful body: the
sandbox sends plain text, with ``Retry-After`` on a 429. Error codes other than 25 (bad token)
are the sandbox's own.
"""

from __future__ import annotations

from aiohttp import web

from guidera_grpc.sandbox.wire import json_response, now_utc, wall_clock

DESCRIPTOR = "GetYourGuide AG"
HELP_URL = "https://api.getyourguide.com/doc"
UNAUTHORIZED = 25
INVALID_PARAMETER = 2
NOT_FOUND = 7


def error(
    request: web.Request, status: int, code: int, message: str, method: str = "getToursAction"
) -> web.Response:
    """A 400, 401 or 404 in GetYourGuide's error format."""
    body = {
        "descriptor": DESCRIPTOR,
        "apiVersion": "1",
        "method": method,
        "date": wall_clock(now_utc()),
        "status": "ERROR",
        "query": request.query_string,
        "errors": [{"errorCode": code, "errorMessage": message}],
        "helpURL": HELP_URL,
    }
    return json_response(body, status=status)


def unauthorized(request: web.Request, *, missing: bool) -> web.Response:
    """401 for a missing or unknown ``X-ACCESS-TOKEN``."""
    reason = "missing" if missing else "invalid"
    return error(request, 401, UNAUTHORIZED, f"Unauthorized. The access token is {reason}.")


def invalid(request: web.Request, field: str, detail: str, method: str) -> web.Response:
    """400 for a query parameter GetYourGuide would refuse."""
    return error(request, 400, INVALID_PARAMETER, f"Invalid parameter {field}: {detail}", method)


def not_found(request: web.Request) -> web.StreamResponse:
    """404 for an unknown path or tour."""
    return error(request, 404, NOT_FOUND, "Not found", "notFoundAction")


def server_error(request: web.Request) -> web.StreamResponse:
    """500 without a useful body."""
    return web.Response(status=500, text="Internal Server Error", content_type="text/plain")


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """429 without a useful body, with ``Retry-After``."""
    return web.Response(
        status=429,
        text="Too Many Requests",
        content_type="text/plain",
        headers={"Retry-After": str(retry_after_s)},
    )

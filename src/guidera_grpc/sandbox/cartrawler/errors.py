"""CarTrawler OTA error answers: ``Errors/Error`` with ``@Type``, ``@Code``, ``@ShortText``.

OTA reports failures in the body: a refused client id or a bad field comes back with HTTP 200
and an ``Errors`` element instead of ``VehAvailRSCore``. ``@Type`` is from the OpenTravel EWT
list (3 business rule, 4 authentication, 7 protocol violation, 10 required field missing,
12 processing exception). A body that is not JSON at all gets the XML form, since the JSON
layer never understood it. Gateway faults (500, 429 with Retry-After, 404) keep the JSON form.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from guidera_grpc.sandbox.cartrawler.ota import NAMESPACE, VERSION, envelope, wrapped
from guidera_grpc.sandbox.wire import json_response

BUSINESS_RULE = "3"
AUTHENTICATION = "4"
PROTOCOL_VIOLATION = "7"
REQUIRED_FIELD_MISSING = "10"
PROCESSING_EXCEPTION = "12"

INVALID_VALUE = "320"
REQUIRED_FIELD = "321"
NOT_AUTHORISED = "497"
SYSTEM_ERROR = "448"


@dataclass(frozen=True, slots=True)
class Issue:
    """One ``Error`` element."""

    type: str
    code: str
    short_text: str
    text: str

    def to_json(self) -> dict[str, str]:
        """The element in JSON-OTA form."""
        return {
            "@Type": self.type,
            "@Code": self.code,
            "@ShortText": self.short_text,
            "#text": self.text,
        }


def errors(
    *issues: Issue,
    status: int = 200,
    target: str = "Test",
    headers: dict[str, str] | None = None,
) -> web.Response:
    """A JSON-OTA answer holding only ``Errors``."""
    body = {**envelope(target), "Errors": wrapped("Error", [i.to_json() for i in issues])}
    return json_response(body, status=status, headers=headers)


def xml_errors(issue: Issue, message: str = "OTA_VehAvailRateRS") -> web.Response:
    """The XML form, for a request body that could not be read as JSON."""
    error = (
        f"<Error Type={quoteattr(issue.type)} Code={quoteattr(issue.code)} "
        f"ShortText={quoteattr(issue.short_text)}>{escape(issue.text)}</Error>"
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{message} xmlns="{NAMESPACE}" '
        f'Version="{VERSION}"><Errors>{error}</Errors></{message}>'
    )
    return web.Response(text=xml, content_type="text/xml")


def bad_client(client_id: str | None, target: str) -> web.Response:
    """A missing or unknown ``POS/Source/RequestorID/@ID``."""
    if not client_id:
        text = "POS/Source/RequestorID/@ID is required"
    else:
        text = f"RequestorID {client_id} is not authorised for OTA_VehAvailRateRQ"
    issue = Issue(AUTHENTICATION, NOT_AUTHORISED, "Authentication failed", text)
    return errors(issue, target=target)


def missing(field: str, target: str) -> web.Response:
    """A required field that is absent."""
    issue = Issue(REQUIRED_FIELD_MISSING, REQUIRED_FIELD, "Required field missing", field)
    return errors(issue, target=target)


def invalid(field: str, detail: str, target: str) -> web.Response:
    """A field with a value CarTrawler refuses."""
    issue = Issue(BUSINESS_RULE, INVALID_VALUE, "Invalid value", f"{field}: {detail}")
    return errors(issue, target=target)


def unsupported_type(message_type: str) -> web.Response:
    """A ``type`` query parameter this endpoint does not serve."""
    shown = message_type or "(none)"
    text = f"message type {shown} is not supported on this endpoint"
    return errors(Issue(PROTOCOL_VIOLATION, INVALID_VALUE, "Unsupported message type", text))


def unreadable_body() -> web.Response:
    """A request body that is not a JSON object."""
    text = "the request body is not a JSON object"
    return xml_errors(Issue(PROTOCOL_VIOLATION, INVALID_VALUE, "Malformed request", text))


def server_error(request: web.Request) -> web.StreamResponse:
    """500 with a processing exception."""
    issue = Issue(PROCESSING_EXCEPTION, SYSTEM_ERROR, "System error", "please try again later")
    return errors(issue, status=500)


def rate_limited(request: web.Request, retry_after_s: int) -> web.StreamResponse:
    """429 with Retry-After."""
    issue = Issue(PROCESSING_EXCEPTION, SYSTEM_ERROR, "Too many requests", "slow down")
    return errors(issue, status=429, headers={"Retry-After": str(retry_after_s)})


def not_found(request: web.Request) -> web.StreamResponse:
    """404 for a path CarTrawler does not serve."""
    text = f"no service at {request.path}"
    return errors(Issue(PROTOCOL_VIOLATION, INVALID_VALUE, "Unknown endpoint", text), status=404)

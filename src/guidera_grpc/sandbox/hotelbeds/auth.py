"""The Hotelbeds API gateway's key and signature check, with its 401 and 403 answers.

The gateway answers before the API: a missing header is a 401, an unknown key a 403
"Developer Inactive", a signature that matches no second within ``CLOCK_SKEW_S`` of ours a
403 "Not Authorized". The ``X-Mashery-Error-Code`` header tells the 403s apart.
"""

from __future__ import annotations

import hmac
import time
from typing import Final

from aiohttp import web

from guidera_grpc.providers.hotelbeds_auth import hotelbeds_signature
from guidera_grpc.sandbox.wire import json_response

CLOCK_SKEW_S: Final = 300
ERROR_CODE_HEADER: Final = "X-Mashery-Error-Code"


def gateway_error(status: int, text: str, error_code: str | None = None) -> web.Response:
    """The gateway's short form ``{"error": text}``, with its error-code header when given."""
    headers = {ERROR_CODE_HEADER: error_code} if error_code else None
    return json_response({"error": text}, status=status, headers=headers)


def check_hotelbeds_signature(
    request: web.Request, api_key: str, secret: str
) -> web.Response | None:
    """The gateway's refusal of ``request``, or None when its key and signature are good."""
    sent_key = request.headers.get("Api-key", "")
    signature = request.headers.get("X-Signature", "").strip().lower()
    if not sent_key or not signature:
        return gateway_error(401, "Authorization field missing", "ERR_401_AUTH_MISSING")
    if not hmac.compare_digest(sent_key.encode(), api_key.encode()):
        return gateway_error(403, "Developer Inactive", "ERR_403_DEVELOPER_INACTIVE")
    if not _signed_recently(signature, api_key, secret):
        return gateway_error(403, "Not Authorized", "ERR_403_NOT_AUTHORIZED")
    return None


def _signed_recently(signature: str, api_key: str, secret: str) -> bool:
    now = int(time.time())
    return any(
        hmac.compare_digest(signature, hotelbeds_signature(api_key, secret, now + offset))
        for offset in range(-CLOCK_SKEW_S, CLOCK_SKEW_S + 1)
    )

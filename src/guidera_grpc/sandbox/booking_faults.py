"""What can happen to a booking's answer after the emulated supplier has made the booking.

``book_latency`` makes the confirmation slow; ``fail_after_book_rate`` loses it, half the time
as the supplier's own 500 and half the time as a connection dropped without a byte. Either way
the booking stands at the supplier (it was recorded before this runs), which is exactly the
case a client must treat as "outcome unknown" and settle by looking the booking up.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from guidera_grpc.sandbox.faults import ErrorBody
from guidera_grpc.sandbox.offer_store import OFFERS
from guidera_grpc.sandbox.state import SANDBOX


async def deliver_booking(
    request: web.Request, supplier: str, answer: web.StreamResponse, server_error: ErrorBody
) -> web.StreamResponse:
    """``answer`` as the booking knobs have it: late, replaced by a 500, or never sent."""
    knobs = request.config_dict[SANDBOX].knobs[supplier]
    dice = request.app[OFFERS].dice
    delay = knobs.book_latency.sample_s(dice)
    lost, as_error = dice.random(), dice.random()

    if delay > 0:
        await asyncio.sleep(delay)
    if lost >= knobs.fail_after_book_rate:
        return answer
    if as_error < 0.5:
        return server_error(request)
    return _dropped(request)


def _dropped(request: web.Request) -> web.StreamResponse:
    """Close the connection at once; aiohttp still needs a response to finish the handler."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)

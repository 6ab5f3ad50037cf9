"""How the booking knobs play out for one offer at one supplier.

Whether an offer is sold out or its price has moved is decided by the offer's own key and the
knob, not by dice: at ``sold_out_rate`` 0.3 the same three offers in ten are sold out at every
price check and every booking, so a check and the booking after it agree. A booking that
fails after the supplier accepted it is a roll of the dice: the booking is kept, and its
answer becomes a 500 or a connection aborted before a byte is written (the empty response
then handed to aiohttp is never sent). ``book_latency`` delays the answer to every booking
once it is kept.
"""

from __future__ import annotations

import asyncio
import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from aiohttp import web

from guidera_grpc.sandbox.faults import ErrorBody
from guidera_grpc.sandbox.knobs import SupplierKnobs
from guidera_grpc.sandbox.seeds import stable_unit
from guidera_grpc.sandbox.state import SANDBOX

PRICE_RISE: Final = Decimal("1.06")
_CENT: Final = Decimal("0.01")
_dice = random.Random(20_261_203)


def _knobs(request: web.Request, supplier: str) -> SupplierKnobs:
    return request.config_dict[SANDBOX].knobs[supplier]


def sold_out(request: web.Request, supplier: str, offer_key: str) -> bool:
    """Whether the offer known by ``offer_key`` can no longer be sold."""
    rate = _knobs(request, supplier).sold_out_rate
    return stable_unit("sold-out", supplier, offer_key) < rate


def price_moved(request: web.Request, supplier: str, offer_key: str) -> bool:
    """Whether the offer's price has risen since the search."""
    rate = _knobs(request, supplier).price_change_rate
    return stable_unit("price-change", supplier, offer_key) < rate


def current_amount(request: web.Request, supplier: str, offer_key: str, amount: Decimal) -> Decimal:
    """``amount`` as the supplier charges it now: risen by 6 % when the price moved."""
    if not price_moved(request, supplier, offer_key):
        return amount
    return (amount * PRICE_RISE).quantize(_CENT, rounding=ROUND_HALF_UP)


async def deliver(
    request: web.Request, supplier: str, answer: web.StreamResponse, server_error: ErrorBody
) -> web.StreamResponse:
    """The answer to a booking already kept: after ``book_latency``, and lost at
    ``fail_after_book_rate``, half the time as the supplier's 500, half as a reset connection.
    """
    knobs = _knobs(request, supplier)
    delay = knobs.book_latency.sample_s(_dice)
    if delay > 0:
        await asyncio.sleep(delay)
    if _dice.random() >= knobs.fail_after_book_rate:
        return answer
    if _dice.random() < 0.5:
        return server_error(request)
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=204)

"""Applying a supplier's knobs to one request: fail before answering, or answer badly.

Before the emulator answers, the knobs may hang the request (``timeout_rate``), delay it
(``latency``), answer the supplier's own 429 (``rate_429``) or 500 (``error_rate``), or drop
the connection with no answer at all (``reset_rate``). Once the emulator has answered, they
may spoil the answer on the wire: a page in no format the supplier speaks under the supplier's
content type (``malformed_rate``), half the body and then a closed connection
(``truncate_rate``), or the whole body a few hundred bytes at a time (``drip_rate``).

Dice are per supplier and seeded by its code, so a run of sequential requests meets the same
faults every time. The wire faults roll dice of their own, so the older faults fall on the same
requests whether the wire faults are on or not. A hanging request waits until its client gives
up (aiohttp then cancels the handler) or the sandbox shuts down, at most ``MAX_HANG_S``; a
dripping answer sends its rest at once when the sandbox shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from typing import Protocol

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict

from guidera_grpc.sandbox.knobs import KnobBoard
from guidera_grpc.sandbox.seeds import stable_rng
from guidera_grpc.sandbox.stats import RequestRecord, Stats

MAX_HANG_S = 600.0
DRIP_CHUNK_BYTES = 256
DRIP_INTERVAL_S = 0.2

#: What a gateway in front of a supplier sends when the application behind it failed: HTML,
#: so neither JSON nor well-formed XML (``<p>`` and ``<br>`` are never closed).
MALFORMED_BODY = (
    b"<!DOCTYPE html>\n<html><head><title>Gateway error</title></head>\n"
    b"<body><h1>Gateway error</h1>\n<p>The application did not answer in time.<br>\n"
    b"Please retry later.\n</body></html>\n"
)

ErrorBody = Callable[[web.Request], web.StreamResponse]
RateLimitBody = Callable[[web.Request, int], web.StreamResponse]


class FaultBodies(Protocol):
    """The supplier's own answers for injected faults: a server error and a rate limit."""

    @property
    def server_error(self) -> ErrorBody: ...

    @property
    def rate_limited(self) -> RateLimitBody: ...


class FaultInjector:
    """Rolls each supplier's dice and applies latency, 429s, errors, hangs and wire faults."""

    def __init__(self, knobs: KnobBoard, stats: Stats, closing: asyncio.Event) -> None:
        self._knobs = knobs
        self._stats = stats
        self._closing = closing
        self._dice: dict[str, random.Random] = {}
        self._wire_dice: dict[str, random.Random] = {}

    def reseed(self) -> None:
        """Start every supplier's dice over."""
        self._dice.clear()
        self._wire_dice.clear()

    async def answer(
        self,
        supplier: str,
        request: web.Request,
        record: RequestRecord,
        bodies: FaultBodies,
        handler: Handler,
    ) -> web.StreamResponse:
        """The answer to ``request`` as the knobs have it: a fault, or ``handler``'s answer
        delivered well or badly."""
        fault = await self._before(supplier, request, record, bodies)
        if fault is not None:
            return fault

        knobs = self._knobs[supplier]
        dice = self._wire_dice.setdefault(supplier, stable_rng("wire faults", supplier))
        reset, malformed, truncate, drip = (dice.random() for _ in range(4))
        if reset < knobs.reset_rate:
            self._stats.faulted(record, "reset")
            return _reset(request, record, self._stats)

        response = await handler(request)
        body = _body_of(response)
        if body is None:
            return response
        if malformed < knobs.malformed_rate:
            self._stats.faulted(record, "malformed")
            return _malformed(response)
        if truncate < knobs.truncate_rate:
            self._stats.faulted(record, "truncate")
            return await self._truncated(request, record, response, body)
        if drip < knobs.drip_rate:
            self._stats.faulted(record, "drip")
            return await self._dripped(request, record, response, body)
        return response

    async def _before(
        self, supplier: str, request: web.Request, record: RequestRecord, bodies: FaultBodies
    ) -> web.StreamResponse | None:
        """Wait as the knobs say; return a fault response, or None to let the handler answer."""
        knobs = self._knobs[supplier]
        dice = self._dice.setdefault(supplier, stable_rng("faults", supplier))
        hang, limit, fail = dice.random(), dice.random(), dice.random()
        delay = knobs.latency.sample_s(dice)
        if hang < knobs.timeout_rate:
            self._stats.faulted(record, "timeout")
            await self._wait_unless_closing(MAX_HANG_S)
            return bodies.server_error(request)
        if delay > 0:
            await asyncio.sleep(delay)
        if limit < knobs.rate_429:
            self._stats.faulted(record, "rate_429")
            return bodies.rate_limited(request, knobs.retry_after_s)
        if fail < knobs.error_rate:
            self._stats.faulted(record, "error")
            return bodies.server_error(request)
        return None

    async def _truncated(
        self,
        request: web.Request,
        record: RequestRecord,
        response: web.StreamResponse,
        body: bytes,
    ) -> web.StreamResponse:
        """Send the status, the headers and half the body, chunked, then close the connection
        before the last chunk: the client sees an answer cut short."""
        cut = web.StreamResponse(
            status=response.status, reason=response.reason, headers=_resent_headers(response)
        )
        cut.enable_chunked_encoding()
        try:
            await cut.prepare(request)
            await cut.write(body[: len(body) // 2])
        except ConnectionError:
            self._stats.disconnected(record)
            return cut
        if request.transport is not None:
            request.transport.close()
        self._stats.aborted(record, response.status)
        return cut

    async def _dripped(
        self,
        request: web.Request,
        record: RequestRecord,
        response: web.StreamResponse,
        body: bytes,
    ) -> web.StreamResponse:
        """Send the whole answer ``DRIP_CHUNK_BYTES`` at a time, ``DRIP_INTERVAL_S`` apart."""
        slow = web.StreamResponse(
            status=response.status, reason=response.reason, headers=_resent_headers(response)
        )
        slow.content_length = len(body)
        try:
            await slow.prepare(request)
            for start in range(0, len(body), DRIP_CHUNK_BYTES):
                if start:
                    await self._wait_unless_closing(DRIP_INTERVAL_S)
                await slow.write(body[start : start + DRIP_CHUNK_BYTES])
        except ConnectionError:
            self._stats.disconnected(record)
        return slow

    async def _wait_unless_closing(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)


def _reset(request: web.Request, record: RequestRecord, stats: Stats) -> web.StreamResponse:
    """Drop the connection without a byte of answer. aiohttp still gets a response to finish,
    finds the connection gone, and lets it be."""
    if request.transport is not None:
        request.transport.abort()
    stats.aborted(record, None)
    return web.Response(status=204)


def _malformed(response: web.StreamResponse) -> web.Response:
    """The answer's status and headers around a body the supplier's clients cannot parse."""
    return web.Response(
        status=response.status,
        reason=response.reason,
        body=MALFORMED_BODY,
        headers=_resent_headers(response),
    )


def _body_of(response: web.StreamResponse) -> bytes | None:
    """The whole body of an answer built in memory; None for one streamed by its handler."""
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        return response.body
    return None


def _resent_headers(response: web.StreamResponse) -> CIMultiDict[str]:
    """The answer's headers without the ones that describe its body's length."""
    headers = CIMultiDict(response.headers)
    for name in (hdrs.CONTENT_LENGTH, hdrs.TRANSFER_ENCODING):
        headers.popall(name, None)
    return headers

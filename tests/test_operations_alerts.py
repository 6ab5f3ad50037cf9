"""Alerts: de-duplicated rows, Slack and e-mail delivery to local servers, never in the way.

The Slack webhook is a real aiohttp server on loopback; the mail server is a small SMTP sink
written here (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) that smtplib talks to over TCP.
"""

from __future__ import annotations

import asyncio
import base64
import email
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import Message

import pytest
from aiohttp import web

from guidera_grpc.config import Settings
from guidera_grpc.operations import (
    Alert,
    AlertCenter,
    EmailNotifier,
    Operations,
    SlackNotifier,
    Timings,
    notifiers_from,
)
from tests.ops_support import call, eventually, migrated_database
from tests.pg import PgCluster


@dataclass
class Webhook:
    """A local stand-in for Slack's incoming webhook."""

    url: str
    received: list[dict[str, object]] = field(default_factory=list)
    delay_s: float = 0.0


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = Webhook(url="")

    async def receive(request: web.Request) -> web.Response:
        await asyncio.sleep(hook.delay_s)
        hook.received.append(await request.json())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hook.url = f"http://127.0.0.1:{port}/hook"
    yield hook
    await runner.cleanup()


@dataclass
class SmtpSink:
    """A minimal SMTP server that keeps what it is sent."""

    port: int = 0
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender, recipients = "", list[str]()
        writer.write(b"220 sink ready\r\n")
        while line := (await reader.readline()).decode().rstrip("\r\n"):
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                writer.write(b"250-sink\r\n250 AUTH PLAIN\r\n")
            elif verb == "AUTH":
                decoded = base64.b64decode(line.split()[2]).split(b"\0")
                self.logins.append(decoded[1].decode())
                writer.write(b"235 ok\r\n")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip(" <>"), []
                writer.write(b"250 ok\r\n")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip(" <>"))
                writer.write(b"250 ok\r\n")
            elif verb == "DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                body = await reader.readuntil(b"\r\n.\r\n")
                self.messages.append(email.message_from_bytes(body[:-5]))
                self.envelopes.append((sender, recipients))
                writer.write(b"250 queued\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


@pytest.fixture
async def smtp_sink() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    server = await asyncio.start_server(sink.serve, "127.0.0.1", 0)
    sink.port = server.sockets[0].getsockname()[1]
    yield sink
    server.close()
    await server.wait_closed()


async def test_repeats_make_one_row_and_one_notice(pg_cluster: PgCluster, webhook: Webhook) -> None:
    """Five provider_down for kiwi: one row with 5 occurrences, one Slack message; a second
    provider has its own row; once acknowledged, the next alert opens a new row."""
    async with migrated_database(pg_cluster) as (pool, _):
        alerts = AlertCenter(pool, [SlackNotifier(webhook.url)], local_hold_s=0)
        alerts.start()
        for _ in range(5):
            alerts.raise_alert(Alert("provider_down", "kiwi disabled", "kiwi"))
        alerts.raise_alert(Alert("provider_down", "duffel disabled", "duffel"))
        await alerts.drain()

        rows = await pool.fetch(
            "SELECT kind, provider, severity, occurrences, notified_at IS NOT NULL AS notified"
            " FROM system_alerts ORDER BY id"
        )
        assert [tuple(row) for row in rows] == [
            ("provider_down", "kiwi", "critical", 5, True),
            ("provider_down", "duffel", "critical", 1, True),
        ]
        assert [m["text"] for m in webhook.received] == [
            "[CRITICAL] provider_down (kiwi): kiwi disabled",
            "[CRITICAL] provider_down (duffel): duffel disabled",
        ]

        await pool.execute("UPDATE system_alerts SET acknowledged_at = now()")
        alerts.raise_alert(Alert("provider_down", "kiwi disabled again", "kiwi"))
        await alerts.drain()
        assert await pool.fetchval("SELECT count(*) FROM system_alerts") == 3
        assert len(webhook.received) == 3
        await alerts.close()


async def test_local_hold_spares_the_database_repeats(pg_cluster: PgCluster) -> None:
    """Within the local hold a repeat costs no query at all."""
    async with migrated_database(pg_cluster) as (pool, _):
        alerts = AlertCenter(pool, local_hold_s=60)
        alerts.start()
        for _ in range(50):
            alerts.raise_alert(Alert("high_error_rate", "half failed", "viator"))
        await alerts.drain()
        assert await pool.fetchval("SELECT occurrences FROM system_alerts") == 1
        await alerts.close()


async def test_alerts_are_mailed_through_smtp(pg_cluster: PgCluster, smtp_sink: SmtpSink) -> None:
    """ALERT_EMAIL recipients get the alert through the configured SMTP server, logged in."""
    settings = Settings.model_validate(
        {
            "ALERT_EMAIL": "ops@example.com, oncall@example.com ,",
            "GUIDERA_SMTP_HOST": "127.0.0.1",
            "GUIDERA_SMTP_PORT": smtp_sink.port,
            "GUIDERA_SMTP_USER": "guidera",
            "GUIDERA_SMTP_PASSWORD": "s3cret",
            "GUIDERA_SMTP_FROM": "alerts@guidera.test",
            "GUIDERA_SMTP_STARTTLS": "false",
        }
    )
    notifiers = notifiers_from(settings)
    assert [type(n) for n in notifiers] == [EmailNotifier]
    async with migrated_database(pg_cluster) as (pool, _):
        alerts = AlertCenter(pool, notifiers)
        alerts.start()
        alerts.raise_alert(
            Alert("budget_exceeded", "1 EUR of the daily budget spent", details={"share": 1.0})
        )
        await alerts.drain()
        await alerts.close()

    assert smtp_sink.logins == ["guidera"]
    assert smtp_sink.envelopes == [
        ("alerts@guidera.test", ["ops@example.com", "oncall@example.com"])
    ]
    mail = smtp_sink.messages[0]
    assert mail["Subject"] == "Guidera [CRITICAL] budget_exceeded: 1 EUR of the daily budget spent"
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b'"share": 1.0' in body


async def test_a_slow_webhook_never_delays_the_request_path(
    pg_cluster: PgCluster, webhook: Webhook
) -> None:
    """With a webhook taking 1 s, 2000 observe() calls (and the alerts they raise) finish while
    the first message is still on its way."""
    webhook.delay_s = 1.0
    settings = Settings.model_validate({"SLACK_WEBHOOK": webhook.url})
    async with migrated_database(pg_cluster) as (pool, _):
        operations = Operations(pool, settings, timings=_fast())
        await operations.start()
        operations.alerts.raise_alert(Alert("provider_down", "kiwi disabled", "kiwi"))
        await asyncio.sleep(0.1)

        started = time.perf_counter()
        for _ in range(2000):
            operations.observe(call("duffel", status="timeout", http_status=None))
        assert time.perf_counter() - started < 1.0
        assert webhook.received == []
        await eventually(lambda: _received(webhook, 1), timeout_s=5)
        await operations.close()


async def test_operations_write_everything_and_flush_on_close(
    pg_cluster: PgCluster, webhook: Webhook
) -> None:
    """One observer stream feeds the log, the costs and the health; close() writes the rest."""
    settings = Settings.model_validate(
        {"SLACK_WEBHOOK": webhook.url, "GUIDERA_DAILY_BUDGET": "0.1"}
    )
    async with migrated_database(pg_cluster) as (pool, _):
        operations = Operations(pool, settings, timings=_fast(), probe=_always_ok)
        await operations.start()
        refusals = []
        for _ in range(12):
            refusals.append(operations.budget.refusal("amadeus", "search"))
            operations.observe(call("amadeus"))
        operations.observe(call("kiwi", status="timeout", http_status=None))
        assert refusals[:10] == [None] * 10
        assert refusals[10:] == ["the daily budget of 0.1 EUR is spent"] * 2
        assert operations.budget.state().exhausted
        assert operations.budget.refusal("kiwi", "search") is not None
        await operations.close()

        assert await pool.fetchval("SELECT count(*) FROM provider_logs") == 13
        cost = await pool.fetchval(
            "SELECT cost FROM provider_costs WHERE provider = 'amadeus' AND period_type = 'day'"
        )
        assert cost == Decimal("0.1200")
        counts = await pool.fetchrow(
            "SELECT success_count, failure_count FROM api_providers WHERE code = 'amadeus'"
        )
        assert tuple(counts) == (12, 0)
        kinds = {row["kind"] for row in await pool.fetch("SELECT kind FROM system_alerts")}
        assert kinds == {"budget_warning", "budget_emergency", "budget_exceeded"}
        assert len(webhook.received) == 3


def _fast() -> Timings:
    return Timings(registry_s=0.2, costs_s=0.05, health_s=0.05, call_log_s=0.05)


async def _always_ok(provider: str) -> None:
    del provider


async def _received(webhook: Webhook, count: int) -> bool:
    return len(webhook.received) >= count

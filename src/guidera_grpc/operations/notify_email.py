"""Alerts by e-mail to the ``ALERT_EMAIL`` recipients through the configured SMTP server.

The standard library's smtplib does the talking, in a worker thread so the event loop never
blocks on a slow mail server; the socket timeout bounds how long that thread can be held.
"""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from guidera_grpc.operations.alerts import Alert


class EmailNotifier:
    """Mails each alert to a fixed list of recipients."""

    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        recipients: Sequence[str],
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout_s: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.recipients = list(recipients)
        self._user = user
        self._password = password
        self._starttls = starttls
        self._timeout_s = timeout_s

    async def send(self, alert: Alert) -> None:
        """Mail ``alert``; raises smtplib's or the socket's error when the server refuses."""
        await asyncio.to_thread(self._send_blocking, self.message(alert))

    async def close(self) -> None:
        """Nothing is held between messages."""

    def message(self, alert: Alert) -> EmailMessage:
        """The mail for ``alert``."""
        mail = EmailMessage()
        mail["Subject"] = f"Guidera {alert.text()}"[:200]
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain="guidera.local")
        details = json.dumps(dict(alert.details), indent=2, sort_keys=True, default=str)
        mail.set_content(f"{alert.message}\n\nkind: {alert.kind}\n\n{details}\n")
        return mail

    def _send_blocking(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self._timeout_s) as smtp:
            smtp.ehlo()
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self._user:
                smtp.login(self._user, self._password or "")
            smtp.send_message(mail, to_addrs=self.recipients)

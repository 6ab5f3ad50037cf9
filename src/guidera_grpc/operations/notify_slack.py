"""Alerts to a Slack channel through an incoming webhook (``SLACK_WEBHOOK``)."""

from __future__ import annotations

import aiohttp

from guidera_grpc.operations.alerts import Alert


class NotificationError(RuntimeError):
    """A notifier's destination refused or failed to take an alert."""


class SlackNotifier:
    """Posts each alert as a JSON ``{"text": ...}`` message to the webhook."""

    name = "slack"

    def __init__(
        self,
        webhook_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._url = webhook_url
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def send(self, alert: Alert) -> None:
        """Post ``alert``; raise NotificationError unless Slack accepts it."""
        session = self._client()
        async with session.post(
            self._url, json={"text": alert.text()}, timeout=self._timeout
        ) as response:
            if response.status >= 300:
                raise NotificationError(f"the webhook answered HTTP {response.status}")

    async def close(self) -> None:
        """Close the HTTP session if this notifier opened it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

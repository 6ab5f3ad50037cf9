"""Service settings, read from environment variables (and overridden by CLI flags).

The names of the original design stay as they were (``DEFAULT_SEARCH_TIMEOUT_MS``,
``AMADEUS_CLIENT_ID`` ...); the service's own settings carry the ``GUIDERA_`` prefix.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Credentials the sandbox accepts; `serve --sandbox` points the adapters at it with these.
SANDBOX_CREDENTIALS = {
    "amadeus_client_id": "sandbox-amadeus-client",
    "amadeus_client_secret": "sandbox-amadeus-secret",
    "duffel_access_token": "duffel_test_sandbox_token",
    "kiwi_api_key": "sandbox-kiwi-key",
}


class Settings(BaseSettings):
    """Everything the service reads from its environment, with the design's defaults."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    listen: str = Field("127.0.0.1:50051", validation_alias="GUIDERA_LISTEN")
    database_url: SecretStr | None = Field(None, validation_alias="GUIDERA_DATABASE_URL")
    redis_url: SecretStr | None = Field(None, validation_alias="GUIDERA_REDIS_URL")
    state_dir: Path | None = Field(None, validation_alias="GUIDERA_STATE_DIR")
    secret_key: SecretStr | None = Field(None, validation_alias="GUIDERA_SECRET_KEY")
    log_level: str = Field("INFO", validation_alias="GUIDERA_LOG_LEVEL")
    log_format: str = Field("console", validation_alias="GUIDERA_LOG_FORMAT")
    shutdown_grace_s: float = Field(10.0, validation_alias="GUIDERA_SHUTDOWN_GRACE_S", gt=0)
    max_concurrent_rpcs: int = Field(512, validation_alias="GUIDERA_MAX_CONCURRENT_RPCS", gt=0)

    enable_price_comparison: bool = Field(True, validation_alias="ENABLE_PRICE_COMPARISON")
    enable_parallel_search: bool = Field(True, validation_alias="ENABLE_PARALLEL_SEARCH")
    enable_caching: bool = Field(True, validation_alias="ENABLE_CACHING")
    max_concurrent_providers: int = Field(3, validation_alias="MAX_CONCURRENT_PROVIDERS", ge=1)
    default_search_timeout_ms: int = Field(
        8000, validation_alias="DEFAULT_SEARCH_TIMEOUT_MS", ge=100
    )
    slack_webhook: SecretStr | None = Field(None, validation_alias="SLACK_WEBHOOK")

    amadeus_base_url: str = Field(
        "https://test.api.amadeus.com", validation_alias="AMADEUS_BASE_URL"
    )
    amadeus_client_id: SecretStr | None = Field(None, validation_alias="AMADEUS_CLIENT_ID")
    amadeus_client_secret: SecretStr | None = Field(None, validation_alias="AMADEUS_CLIENT_SECRET")
    duffel_base_url: str = Field("https://api.duffel.com", validation_alias="DUFFEL_BASE_URL")
    duffel_access_token: SecretStr | None = Field(None, validation_alias="DUFFEL_ACCESS_TOKEN")
    kiwi_base_url: str = Field("https://api.tequila.kiwi.com", validation_alias="KIWI_BASE_URL")
    kiwi_api_key: SecretStr | None = Field(None, validation_alias="KIWI_API_KEY")

    def resolved_state_dir(self) -> Path:
        """Where the service keeps its state, the embedded database included.

        As root the XDG default would sit under /root, and the embedded PostgreSQL opens
        traverse rights on every parent of its data folder; /var/lib keeps that away from home.
        """
        if self.state_dir is not None:
            return self.state_dir
        if os.geteuid() == 0:
            return Path("/var/lib/guidera")
        xdg = os.environ.get("XDG_STATE_HOME")
        base = Path(xdg) if xdg else Path.home() / ".local" / "state"
        return base / "guidera"

    def with_sandbox(self, sandbox_url: str) -> Settings:
        """A copy whose adapters point at a sandbox served at ``sandbox_url``."""
        base = sandbox_url.rstrip("/")
        return self.model_copy(
            update={
                "amadeus_base_url": f"{base}/amadeus",
                "duffel_base_url": f"{base}/duffel",
                "kiwi_base_url": f"{base}/kiwi",
                **{k: SecretStr(v) for k, v in SANDBOX_CREDENTIALS.items()},
            }
        )

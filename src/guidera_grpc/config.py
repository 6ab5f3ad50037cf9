"""Service settings, read from environment variables (and overridden by CLI flags).

The names of the original design stay as they were (``DEFAULT_SEARCH_TIMEOUT_MS``,
``AMADEUS_CLIENT_ID`` ...); the service's own settings carry the ``GUIDERA_`` prefix.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from redis import ConnectionPool as RedisConnectionPool

#: Credentials the sandbox accepts; `serve --sandbox` points the adapters at it with these.
SANDBOX_CREDENTIALS = {
    "amadeus_client_id": "sandbox-amadeus-client",
    "amadeus_client_secret": "sandbox-amadeus-secret",
    "duffel_access_token": "duffel_test_sandbox_token",
    "kiwi_api_key": "sandbox-kiwi-key",
    "expedia_api_key": "sandbox-expedia-key",
    "expedia_shared_secret": "sandbox-expedia-secret",
    "hotelbeds_api_key": "sandbox-hotelbeds-key",
    "hotelbeds_secret": "sandbox-hotelbeds-secret",
    "hotelbeds_activities_api_key": "sandbox-hotelbeds-activities-key",
    "hotelbeds_activities_secret": "sandbox-hotelbeds-activities-secret",
    "getyourguide_access_token": "sandbox-getyourguide-token",
    "viator_api_key": "sandbox-viator-key",
    "cartrawler_client_id": "sandbox-cartrawler-client",
}

#: The path prefix of each supplier in the sandbox, and the Settings field of its base URL.
SANDBOX_BASE_URLS = {
    "amadeus_base_url": "amadeus",
    "duffel_base_url": "duffel",
    "kiwi_base_url": "kiwi",
    "expedia_base_url": "expedia",
    "hotelbeds_base_url": "hotelbeds",
    "getyourguide_base_url": "getyourguide",
    "viator_base_url": "viator",
    "cartrawler_base_url": "cartrawler",
}


_EMAIL = re.compile(r"[^@\s,]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z][A-Za-z0-9-]{1,62}")
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def _host(value: str) -> str:
    """A host name or an IP address (IPv6 with or without brackets, a zone allowed), as a
    socket takes it; ValueError otherwise."""
    bare = value[1:-1] if value.startswith("[") and value.endswith("]") else value
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        labels = bare.rstrip(".").split(".")
        if len(bare) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
            raise ValueError("must be a host name or an IP address") from None
    return bare


def _check_port(url: SplitResult) -> None:
    """ValueError unless ``url``'s port, when it names one, is one a server can listen on."""
    try:
        port = url.port
    except ValueError:
        raise ValueError("has a port outside 1 to 65535") from None
    if port == 0:
        raise ValueError("has port 0, which no server listens on")


def _check_http_url(value: str, *, credentials: bool = False) -> None:
    """ValueError unless ``value`` is an http(s) URL with a host and a usable port, and
    without a user or password unless ``credentials``. The message never repeats the URL,
    whose path, query or user part may be a secret."""
    try:
        url = urlsplit(value)
    except ValueError:
        raise ValueError("must be an http:// or https:// URL with a valid host") from None
    if url.scheme not in {"http", "https"} or not url.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    _check_port(url)
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError("must not contain spaces or control characters")
    if not credentials and (url.username or url.password):
        # These URLs are logged; credentials have variables of their own.
        raise ValueError("must not carry a user name or password")


class SettingsError(ValueError):
    """Settings that are each valid but cannot work together or point at nothing usable."""


def split_host_port(address: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6) as (host without brackets, port); ValueError
    unless the port is a number up to 65535."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not (port.isascii() and port.isdigit()) or int(port) > 65535:
        raise ValueError("must be HOST:PORT with a port from 0 to 65535")
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1], int(port)
    if ":" in host:
        raise ValueError("must put an IPv6 host in brackets: [::1]:50051")
    return host, int(port)


class _DocumentedVariablesOnly(EnvSettingsSource):
    """The environment, read through each setting's documented variable only.

    Settings accept their field names as keyword arguments (``Settings(listen=...)``); without
    this, the environment would be searched for those names too, and a host's ``AUTH_MODE``
    or ``DATABASE_URL`` meant for something else would silently configure the service.
    """

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.config = {**self.config, "populate_by_name": False, "validate_by_name": False}


class Settings(BaseSettings):
    """Everything the service reads from its environment, with the design's defaults."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _DocumentedVariablesOnly(settings_cls))

    listen: str = Field("127.0.0.1:50051", validation_alias="GUIDERA_LISTEN")
    database_url: SecretStr | None = Field(None, validation_alias="GUIDERA_DATABASE_URL")
    redis_url: SecretStr | None = Field(None, validation_alias="GUIDERA_REDIS_URL")
    cache_namespace: str = Field("guidera", validation_alias="GUIDERA_CACHE_NAMESPACE")
    #: Cache lookups slower than this go live instead (writes get ten times as long).
    redis_timeout_s: float = Field(0.1, validation_alias="GUIDERA_REDIS_TIMEOUT_S", gt=0, le=10)
    state_dir: Path | None = Field(None, validation_alias="GUIDERA_STATE_DIR")
    secret_key: SecretStr | None = Field(None, validation_alias="GUIDERA_SECRET_KEY")
    log_level: str = Field("INFO", validation_alias="GUIDERA_LOG_LEVEL")
    log_format: Literal["console", "json"] = Field("console", validation_alias="GUIDERA_LOG_FORMAT")
    shutdown_grace_s: float = Field(
        10.0, validation_alias="GUIDERA_SHUTDOWN_GRACE_S", gt=0, le=3600
    )
    #: On SIGTERM, seconds between turning NOT_SERVING and refusing new calls, so that load
    #: balancers and Kubernetes see the pod leave before its listener closes.
    drain_delay_s: float = Field(0.0, validation_alias="GUIDERA_DRAIN_DELAY_S", ge=0, le=300)
    #: Connections are closed (GOAWAY) after this long, running calls given ``..._GRACE_S``
    #: more, so clients balancing by DNS spread over replicas added since they connected.
    max_connection_age_s: float = Field(
        300.0, validation_alias="GUIDERA_MAX_CONNECTION_AGE_S", ge=1, le=2_000_000
    )
    max_connection_age_grace_s: float = Field(
        30.0, validation_alias="GUIDERA_MAX_CONNECTION_AGE_GRACE_S", ge=0, le=2_000_000
    )
    #: Searches one replica runs at once; more are refused at once with RESOURCE_EXHAUSTED
    #: (size it from `make bench`: the knee rate times a search's duration).
    max_active_searches: int = Field(
        256, validation_alias="GUIDERA_MAX_ACTIVE_SEARCHES", ge=1, le=1_000_000
    )
    max_concurrent_rpcs: int = Field(
        512, validation_alias="GUIDERA_MAX_CONCURRENT_RPCS", gt=0, le=1_000_000
    )
    #: host:port of the Prometheus /metrics endpoint; port 0 picks a free one, "" turns it off.
    metrics_listen: str = Field("127.0.0.1:9464", validation_alias="GUIDERA_METRICS_LISTEN")

    #: ``keys``: every RPC but health and reflection needs an API key; ``open``: none does.
    auth_mode: Literal["keys", "open"] = Field("keys", validation_alias="GUIDERA_AUTH")
    tls_cert_file: Path | None = Field(None, validation_alias="GUIDERA_TLS_CERT_FILE")
    tls_key_file: Path | None = Field(None, validation_alias="GUIDERA_TLS_KEY_FILE")
    #: With it, clients must show a certificate this CA signed (mutual TLS).
    tls_client_ca_file: Path | None = Field(None, validation_alias="GUIDERA_TLS_CLIENT_CA_FILE")

    enable_price_comparison: bool = Field(True, validation_alias="ENABLE_PRICE_COMPARISON")
    enable_parallel_search: bool = Field(True, validation_alias="ENABLE_PARALLEL_SEARCH")
    enable_caching: bool = Field(True, validation_alias="ENABLE_CACHING")
    max_concurrent_providers: int = Field(
        3, validation_alias="MAX_CONCURRENT_PROVIDERS", ge=1, le=100
    )
    default_search_timeout_ms: int = Field(
        8000, validation_alias="DEFAULT_SEARCH_TIMEOUT_MS", ge=100, le=600_000
    )
    slack_webhook: SecretStr | None = Field(None, validation_alias="SLACK_WEBHOOK")

    breaker_failures: int = Field(
        5, validation_alias="GUIDERA_BREAKER_FAILURES", ge=1, le=1_000_000
    )
    breaker_successes: int = Field(3, validation_alias="GUIDERA_BREAKER_SUCCESSES", ge=1, le=1000)
    breaker_open_s: float = Field(60.0, validation_alias="GUIDERA_BREAKER_OPEN_S", gt=0, le=86_400)
    breaker_open_max_s: float = Field(
        600.0, validation_alias="GUIDERA_BREAKER_OPEN_MAX_S", gt=0, le=86_400
    )
    breaker_half_open_trials: int = Field(
        1, validation_alias="GUIDERA_BREAKER_HALF_OPEN_TRIALS", ge=1, le=1000
    )
    retries: int = Field(3, validation_alias="GUIDERA_RETRIES", ge=0, le=10)
    retry_base_s: float = Field(1.0, validation_alias="GUIDERA_RETRY_BASE_S", gt=0, le=60)
    retry_max_s: float = Field(10.0, validation_alias="GUIDERA_RETRY_MAX_S", gt=0, le=600)
    retry_budget_ratio: float = Field(
        0.2, validation_alias="GUIDERA_RETRY_BUDGET_RATIO", ge=0, le=1
    )
    retry_budget_min: int = Field(
        10, validation_alias="GUIDERA_RETRY_BUDGET_MIN", ge=0, le=1_000_000
    )
    retry_budget_window_s: float = Field(
        60.0, validation_alias="GUIDERA_RETRY_BUDGET_WINDOW_S", gt=0, le=86_400
    )
    replicas: int = Field(1, validation_alias="GUIDERA_REPLICAS", ge=1, le=1000)
    #: A sandbox run elsewhere (``guidera sandbox``): the adapters use its URLs and credentials.
    sandbox_url: str | None = Field(None, validation_alias="GUIDERA_SANDBOX_URL")

    alert_email: str | None = Field(None, validation_alias="ALERT_EMAIL")
    smtp_host: str | None = Field(None, validation_alias="GUIDERA_SMTP_HOST")
    smtp_port: int = Field(587, validation_alias="GUIDERA_SMTP_PORT", gt=0, lt=65536)
    smtp_user: str | None = Field(None, validation_alias="GUIDERA_SMTP_USER")
    smtp_password: SecretStr | None = Field(None, validation_alias="GUIDERA_SMTP_PASSWORD")
    smtp_from: str = Field("guidera@localhost", validation_alias="GUIDERA_SMTP_FROM")
    smtp_starttls: bool = Field(True, validation_alias="GUIDERA_SMTP_STARTTLS")

    reconcile_interval_s: float = Field(
        30.0, validation_alias="GUIDERA_RECONCILE_INTERVAL_S", gt=0, le=86_400
    )
    #: A pending booking younger than this may still be in the hands of a live request.
    reconcile_grace_s: float = Field(
        120.0, validation_alias="GUIDERA_RECONCILE_GRACE_S", gt=0, le=86_400
    )
    recovery_interval_s: float = Field(
        300.0, validation_alias="GUIDERA_RECOVERY_INTERVAL_S", gt=0, le=86_400
    )
    log_retention_days: int = Field(
        30, validation_alias="GUIDERA_LOG_RETENTION_DAYS", ge=1, le=36_500
    )
    log_payloads: bool = Field(False, validation_alias="GUIDERA_LOG_PAYLOADS")
    daily_budget: Decimal = Field(Decimal(50), validation_alias="GUIDERA_DAILY_BUDGET", ge=0)
    monthly_budget: Decimal = Field(Decimal(1000), validation_alias="GUIDERA_MONTHLY_BUDGET", ge=0)

    amadeus_base_url: str = Field(
        "https://test.api.amadeus.com", validation_alias="AMADEUS_BASE_URL"
    )
    amadeus_client_id: SecretStr | None = Field(None, validation_alias="AMADEUS_CLIENT_ID")
    amadeus_client_secret: SecretStr | None = Field(None, validation_alias="AMADEUS_CLIENT_SECRET")
    duffel_base_url: str = Field("https://api.duffel.com", validation_alias="DUFFEL_BASE_URL")
    duffel_access_token: SecretStr | None = Field(None, validation_alias="DUFFEL_ACCESS_TOKEN")
    kiwi_base_url: str = Field("https://api.tequila.kiwi.com", validation_alias="KIWI_BASE_URL")
    kiwi_api_key: SecretStr | None = Field(None, validation_alias="KIWI_API_KEY")
    expedia_base_url: str = Field("https://test.ean.com", validation_alias="EXPEDIA_BASE_URL")
    expedia_api_key: SecretStr | None = Field(None, validation_alias="EXPEDIA_API_KEY")
    expedia_shared_secret: SecretStr | None = Field(None, validation_alias="EXPEDIA_SHARED_SECRET")
    hotelbeds_base_url: str = Field(
        "https://api.test.hotelbeds.com", validation_alias="HOTELBEDS_BASE_URL"
    )
    hotelbeds_api_key: SecretStr | None = Field(None, validation_alias="HOTELBEDS_API_KEY")
    hotelbeds_secret: SecretStr | None = Field(None, validation_alias="HOTELBEDS_SECRET")
    hotelbeds_activities_api_key: SecretStr | None = Field(
        None, validation_alias="HOTELBEDS_ACTIVITIES_API_KEY"
    )
    hotelbeds_activities_secret: SecretStr | None = Field(
        None, validation_alias="HOTELBEDS_ACTIVITIES_SECRET"
    )
    getyourguide_base_url: str = Field(
        "https://api.gygtest.net", validation_alias="GETYOURGUIDE_BASE_URL"
    )
    getyourguide_access_token: SecretStr | None = Field(
        None, validation_alias="GETYOURGUIDE_ACCESS_TOKEN"
    )
    viator_base_url: str = Field(
        "https://api.sandbox.viator.com/partner", validation_alias="VIATOR_BASE_URL"
    )
    viator_api_key: SecretStr | None = Field(None, validation_alias="VIATOR_API_KEY")
    cartrawler_base_url: str = Field(
        "http://otatest.cartrawler.com:20002", validation_alias="CARTRAWLER_BASE_URL"
    )
    cartrawler_client_id: SecretStr | None = Field(None, validation_alias="CARTRAWLER_CLIENT_ID")
    cartrawler_target: str = Field("Test", validation_alias="CARTRAWLER_TARGET")

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        """An empty variable means "not set": the setting takes its default.

        `GUIDERA_DATABASE_URL=` in a compose or env file must pick the embedded database, not
        fail on an empty URL (or, worse, connect somewhere libpq's defaults point), and
        `GUIDERA_CACHE_NAMESPACE=` must not leave keys unprefixed in a shared Redis. Only
        `GUIDERA_METRICS_LISTEN` gives "" a meaning of its own: metrics off.
        """
        name = info.field_name
        blank = isinstance(value, str) and not value.strip()
        if not blank or name is None or name == "metrics_listen":
            return value
        return cls.model_fields[name].get_default(call_default_factory=True)

    @field_validator("log_format", "auth_mode", mode="before")
    @classmethod
    def _any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("listen", "metrics_listen")
    @classmethod
    def _host_and_port(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if info.field_name == "metrics_listen" and not value:
            return value
        split_host_port(value)
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        # The message names the scheme only: the URL itself may carry a password.
        if value is not None and urlsplit(value.get_secret_value()).scheme not in {
            "postgres",
            "postgresql",
        }:
            raise ValueError("must be a postgresql:// URL")
        if value is not None and "," not in urlsplit(value.get_secret_value()).netloc:
            # Several hosts (host1:5432,host2:5432) are libpq's to read; one is checked here.
            _check_port(urlsplit(value.get_secret_value()))
        return value

    @field_validator("sandbox_url")
    @classmethod
    def _sandbox_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        _check_http_url(value.strip())
        return value.strip()

    @field_validator(
        "amadeus_base_url",
        "duffel_base_url",
        "kiwi_base_url",
        "expedia_base_url",
        "hotelbeds_base_url",
        "getyourguide_base_url",
        "viator_base_url",
        "cartrawler_base_url",
    )
    @classmethod
    def _supplier_url(cls, value: str) -> str:
        value = value.strip()
        _check_http_url(value)
        return value

    @field_validator("slack_webhook")
    @classmethod
    def _webhook_url(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never repeats the URL: a webhook's path is its secret.
        if value is not None:
            _check_http_url(value.get_secret_value().strip(), credentials=True)
        return value

    @field_validator("alert_email")
    @classmethod
    def _addresses(cls, value: str | None) -> str | None:
        if value is None:
            return value
        for address in (a.strip() for a in value.split(",")):
            if address and not _EMAIL.fullmatch(address):
                raise ValueError("must be e-mail addresses separated by commas")
        return value

    @field_validator("smtp_host")
    @classmethod
    def _host_name(cls, value: str | None) -> str | None:
        return _host(value.strip()) if value is not None else value

    @field_validator("retry_max_s", "breaker_open_max_s")
    @classmethod
    def _not_below_its_base(cls, value: float, info: ValidationInfo) -> float:
        # Each is declared after the setting it bounds, which is validated by now.
        base = {"retry_max_s": "retry_base_s", "breaker_open_max_s": "breaker_open_s"}
        field = base[str(info.field_name)]
        lower = info.data.get(field)
        if lower is not None and value < lower:
            alias = cls.model_fields[field].validation_alias
            raise ValueError(f"must not be below {alias} ({lower:g})")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        url = urlsplit(value.get_secret_value())
        if url.scheme not in {"redis", "rediss"} or not url.hostname:
            raise ValueError("must be a redis:// or rediss:// URL with a host")
        _check_port(url)
        database = url.path.strip("/")
        if database and not (database.isascii() and database.isdigit()):
            raise ValueError("must name its database by number (redis://host:6379/0)")
        try:
            # The client's own reading of the query (?db=, timeouts); a pool connects lazily.
            RedisConnectionPool.from_url(value.get_secret_value())
        except ValueError:
            raise ValueError("has a query option redis cannot use") from None
        return value

    def alert_recipients(self) -> list[str]:
        """The addresses of ``ALERT_EMAIL`` (a comma-separated list), blanks left out."""
        if not self.alert_email:
            return []
        return [address.strip() for address in self.alert_email.split(",") if address.strip()]

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
        urls = {field: f"{base}/{prefix}" for field, prefix in SANDBOX_BASE_URLS.items()}
        secrets = {field: SecretStr(value) for field, value in SANDBOX_CREDENTIALS.items()}
        return self.model_copy(update={**urls, **secrets})


def redis_address(url: str) -> str:
    """Scheme, host, port and database of a Redis URL, for logs: never its user or password."""
    where = urlsplit(url)
    host = where.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return f"{where.scheme}://{host}:{where.port or 6379}{where.path or '/0'}"

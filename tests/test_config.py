"""Settings read from the environment: blanks mean unset, bad values name their variable."""

from __future__ import annotations

import asyncio
import os

import pytest
from pydantic import ValidationError

from guidera_grpc.config import Settings
from tests.cli_runner import GUIDERA, run_guidera


def test_an_empty_database_url_means_the_embedded_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`GUIDERA_DATABASE_URL=` as compose files write it is unset, not an empty DSN."""
    monkeypatch.setenv("GUIDERA_DATABASE_URL", "")
    monkeypatch.setenv("GUIDERA_REDIS_URL", "  ")
    monkeypatch.setenv("GUIDERA_SECRET_KEY", "")

    settings = Settings()

    assert settings.database_url is None
    assert settings.redis_url is None
    assert settings.secret_key is None


def test_an_empty_setting_with_a_default_takes_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GUIDERA_CACHE_NAMESPACE", "")
    monkeypatch.setenv("ENABLE_CACHING", " ")
    monkeypatch.setenv("GUIDERA_LOG_LEVEL", "")

    settings = Settings()

    assert settings.cache_namespace == "guidera"
    assert settings.enable_caching is True
    assert settings.log_level == "INFO"


def test_settings_come_from_their_documented_variables_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host's AUTH_MODE or DATABASE_URL, meant for another program, configures nothing."""
    monkeypatch.setenv("AUTH_MODE", "open")
    monkeypatch.setenv("DATABASE_URL", "postgresql://elsewhere/db")
    monkeypatch.setenv("LISTEN", "0.0.0.0:1")

    settings = Settings()

    assert settings.auth_mode == "keys"
    assert settings.database_url is None
    assert settings.listen == "127.0.0.1:50051"


def test_an_empty_metrics_listen_still_turns_metrics_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank-means-unset applies to optional settings only; "" keeps its meaning here."""
    monkeypatch.setenv("GUIDERA_METRICS_LISTEN", "")

    assert Settings().metrics_listen == ""


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GUIDERA_LISTEN", "127.0.0.1:70000"),
        ("GUIDERA_LISTEN", "no-port"),
        ("GUIDERA_LISTEN", "127.0.0.1:\u0665\u0660"),
        ("GUIDERA_LISTEN", "::1:50051"),
        ("GUIDERA_MAX_CONCURRENT_RPCS", "3000000000"),
        ("GUIDERA_LOG_RETENTION_DAYS", "800000"),
        ("GUIDERA_SANDBOX_URL", "http://user:hunter2@127.0.0.1:8700"),
        ("GUIDERA_SANDBOX_URL", "not a url"),
        ("GUIDERA_REDIS_URL", "redis://127.0.0.1:99999/0"),
        ("GUIDERA_REDIS_URL", "redis://127.0.0.1:6379/abc"),
        ("GUIDERA_REDIS_URL", "unix:///tmp/redis.sock"),
        ("GUIDERA_REDIS_URL", "redis://127.0.0.1:6379/9?db=abc"),
        ("GUIDERA_SANDBOX_URL", "http://127.0.0.1:99999"),
        ("GUIDERA_METRICS_LISTEN", "127.0.0.1:-1"),
        ("GUIDERA_LOG_LEVEL", "LOUD"),
        ("GUIDERA_LOG_FORMAT", "xml"),
        ("GUIDERA_DATABASE_URL", "mysql://u:hunter2@db/x"),
        ("GUIDERA_REDIS_URL", "http://u:hunter2@cache:6379"),
        ("GUIDERA_REPLICAS", "99999999999999999999"),
        ("GUIDERA_RETRIES", "1000000"),
        ("GUIDERA_RETRY_MAX_S", "0.5"),
        ("GUIDERA_BREAKER_OPEN_MAX_S", "30"),
        ("GUIDERA_RECONCILE_INTERVAL_S", "1e12"),
        ("GUIDERA_SANDBOX_URL", "http://127.0.0.1:0"),
        ("AMADEUS_BASE_URL", "notaurl"),
        ("DUFFEL_BASE_URL", "http://[::1"),
        ("SLACK_WEBHOOK", "https://hooks.slack.com/services/x y"),
        ("SLACK_WEBHOOK", "ftp://hooks.slack.com/services/x"),
        ("ALERT_EMAIL", "ops@example.com, garbage"),
        ("GUIDERA_SMTP_HOST", "bad host!"),
        ("GUIDERA_SMTP_HOST", "-"),
        ("GUIDERA_SMTP_HOST", "[::1"),
        ("GUIDERA_DATABASE_URL", "postgresql://u:hunter2@127.0.0.1:99999/x"),
        ("DUFFEL_BASE_URL", "https://user:hunter2@api.duffel.com/"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError) as raised:
        Settings()

    assert raised.value.errors()[0]["loc"] == (variable,)


def test_real_world_values_pass_as_a_socket_takes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDERA_SMTP_HOST", "[2001:db8::25]")
    monkeypatch.setenv("ALERT_EMAIL", "ops@example.xn--p1ai, oncall@example.com")
    monkeypatch.setenv("GUIDERA_DATABASE_URL", "postgresql://u@db1:5432,db2:5433/guidera")
    monkeypatch.setenv("VIATOR_BASE_URL", "https://api.viator.com:8443/partner")

    settings = Settings()

    assert settings.smtp_host == "2001:db8::25"
    assert settings.alert_recipients() == ["ops@example.xn--p1ai", "oncall@example.com"]


def test_names_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDERA_LOG_LEVEL", "debug")
    monkeypatch.setenv("GUIDERA_LOG_FORMAT", "JSON")
    monkeypatch.setenv("GUIDERA_AUTH", "Open")

    settings = Settings()

    assert (settings.log_level, settings.log_format, settings.auth_mode) == (
        "DEBUG",
        "json",
        "open",
    )


def test_an_ipv6_listen_address_in_brackets_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDERA_LISTEN", "[::1]:0")

    assert Settings().listen == "[::1]:0"


async def test_serve_with_a_bad_variable_prints_one_line_and_no_secret() -> None:
    """The operator reads which variable is wrong; the password in the URL stays out."""
    code, out, err = await run_guidera(
        "serve",
        env={
            "GUIDERA_REDIS_URL": "http://user:hunter2@cache:6379",
            "GUIDERA_LISTEN": "127.0.0.1:99999",
        },
    )

    assert code == 2
    assert "error: GUIDERA_REDIS_URL: must be a redis:// or rediss:// URL with a host" in err
    assert "error: GUIDERA_LISTEN: must be HOST:PORT" in err
    assert "Traceback" not in err
    assert "hunter2" not in out + err


async def test_a_bad_listen_option_is_named_as_the_option() -> None:
    code, _, err = await run_guidera("serve", "--listen", "127.0.0.1:99999")

    assert code == 2
    assert "error: --listen: must be HOST:PORT" in err


async def test_sandbox_with_a_bad_listen_address_names_the_option() -> None:
    code, _, err = await run_guidera("sandbox", "--listen", "127.0.0.1:http")

    assert code == 2
    assert "--listen" in err
    assert "must be HOST:PORT" in err
    assert "Traceback" not in err


async def test_a_taken_port_stops_serve_with_one_line(pg_dsn: str) -> None:
    """What the environment refuses is reported in a line, not a traceback, with exit 1."""
    taken = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = taken.sockets[0].getsockname()[1]
    try:
        code, _, err = await run_guidera(
            "serve",
            env={
                "GUIDERA_LISTEN": f"127.0.0.1:{port}",
                "GUIDERA_DATABASE_URL": pg_dsn,
                "GUIDERA_METRICS_LISTEN": "",
            },
        )
    finally:
        taken.close()

    assert code == 1
    assert f"error: cannot serve: cannot listen on 127.0.0.1:{port}: in use" in err
    assert "Traceback" not in err


async def test_an_unreachable_database_stops_keys_with_one_line() -> None:
    code, _, err = await run_guidera(
        "keys", "list", env={"GUIDERA_DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:1/x"}
    )

    assert code == 1
    assert "error: cannot reach the database:" in err
    assert "Traceback" not in err
    assert "hunter2" not in err


@pytest.mark.parametrize(
    ("env", "named"),
    [
        (
            {"GUIDERA_DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:1/x"},
            "GUIDERA_DATABASE_URL: cannot connect",
        ),
        (
            {"GUIDERA_DATABASE_URL": "", "GUIDERA_STATE_DIR": "/proc/no-such-folder"},
            "GUIDERA_STATE_DIR: cannot keep the embedded database",
        ),
    ],
    ids=["database", "state-dir"],
)
async def test_serve_names_the_variable_behind_an_unusable_store(
    env: dict[str, str], named: str
) -> None:
    code, _, err = await run_guidera(
        "serve", "--listen", "127.0.0.1:0", env={**env, "GUIDERA_METRICS_LISTEN": ""}
    )

    assert code == 1
    assert f"error: cannot serve: {named}" in err
    assert "Traceback" not in err
    assert "hunter2" not in err


async def test_a_blank_auth_variable_leaves_the_sandbox_server_open(pg_dsn: str) -> None:
    """`make run` with an env file holding `GUIDERA_AUTH=` runs open, as without it."""
    process = await asyncio.create_subprocess_exec(
        GUIDERA,
        "serve",
        "--sandbox",
        "--listen",
        "127.0.0.1:0",
        env={
            **os.environ,
            "GUIDERA_AUTH": "",
            "GUIDERA_DATABASE_URL": pg_dsn,
            "GUIDERA_METRICS_LISTEN": "",
        },
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    seen: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("guidera_grpc.server: listening" in line for line in seen):
                line = (await process.stderr.readline()).decode()
                if not line:
                    break
                seen.append(line)
    finally:
        process.terminate()
        await process.wait()

    assert any("authentication is OFF" in line for line in seen), seen

"""Settings read from the environment: blanks mean unset, bad values name their variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from guidera_grpc.config import Settings
from tests.cli_runner import run_guidera


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


def test_an_empty_metrics_listen_still_turns_metrics_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank-means-unset applies to optional settings only; "" keeps its meaning here."""
    monkeypatch.setenv("GUIDERA_METRICS_LISTEN", "")

    assert Settings().metrics_listen == ""


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GUIDERA_LISTEN", "127.0.0.1:70000"),
        ("GUIDERA_LISTEN", "no-port"),
        ("GUIDERA_METRICS_LISTEN", "127.0.0.1:-1"),
        ("GUIDERA_LOG_LEVEL", "LOUD"),
        ("GUIDERA_LOG_FORMAT", "xml"),
        ("GUIDERA_DATABASE_URL", "mysql://u:hunter2@db/x"),
        ("GUIDERA_REDIS_URL", "http://u:hunter2@cache:6379"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError) as raised:
        Settings()

    assert raised.value.errors()[0]["loc"] == (variable,)


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUIDERA_LOG_LEVEL", "debug")

    assert Settings().log_level == "DEBUG"


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
    assert "error: GUIDERA_REDIS_URL: must be a redis://, rediss:// or unix:// URL" in err
    assert "error: GUIDERA_LISTEN: must be HOST:PORT" in err
    assert "Traceback" not in err
    assert "hunter2" not in out + err


async def test_sandbox_with_a_bad_listen_address_names_the_option() -> None:
    code, _, err = await run_guidera("sandbox", "--listen", "127.0.0.1:http")

    assert code == 2
    assert "--listen" in err
    assert "must be HOST:PORT" in err
    assert "Traceback" not in err

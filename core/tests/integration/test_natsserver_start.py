"""nats-server that does not start: the error carries its log; one that will not stop is killed."""

import signal
from pathlib import Path

import pytest

from actkit_core import natsserver
from actkit_core.natsserver import NatsServer

# Writes a ports file with no client URL in it, ignores SIGTERM, and never becomes ready.
NEVER_READY = """#!/bin/sh
while [ $# -gt 0 ]; do
  [ "$1" = "--ports_file_dir" ] && ports="$2"
  shift
done
trap '' TERM
echo '{"nats": []}' > "$ports/nats-server_$$.ports"
echo "listening nowhere"
exec sleep 60
"""


def test_a_server_that_exits_at_start_is_reported_with_its_log(tmp_path: Path) -> None:
    config = tmp_path / "broken.conf"
    config.write_text("port: {not a number\n")
    server = NatsServer(store_dir=tmp_path / "nats", config=config)
    with pytest.raises(
        RuntimeError, match="nats-server did not start:\nnats-server: Parse error on line 1"
    ):
        server.start()
    assert server.process is not None
    assert server.process.returncode not in (None, 0)


def test_a_server_that_never_becomes_ready_is_killed_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "nats-server"
    fake.write_text(NEVER_READY)
    fake.chmod(0o755)
    monkeypatch.setattr(natsserver, "nats_server_binary", lambda: str(fake))
    server = NatsServer(store_dir=tmp_path / "nats")
    with pytest.raises(RuntimeError, match="nats-server did not start:\nlistening nowhere"):
        server.start(timeout_s=0.3)
    assert server.process is not None
    assert server.process.returncode == -signal.SIGKILL

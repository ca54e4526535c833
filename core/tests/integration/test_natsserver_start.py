"""nats-server: a failed start carries its log, a stuck one is killed, a killed one starts again."""

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from actkit_core import natsserver
from actkit_core.natsserver import NatsServer
from actkit_core.testing.stack import free_port

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


def _start_async(server: NatsServer, timeout_s: float = 10.0) -> str:
    return asyncio.run(server.start_async(timeout_s))


STARTS = pytest.mark.parametrize("start", [NatsServer.start, _start_async])
"""Blocking (the first start, fixtures) and on the event loop (a restart under ``actkit run``)."""


@STARTS
def test_a_server_that_exits_at_start_is_reported_with_its_log(
    tmp_path: Path, start: Callable[[NatsServer], str]
) -> None:
    config = tmp_path / "broken.conf"
    config.write_text("port: {not a number\n")
    server = NatsServer(store_dir=tmp_path / "nats", config=config)
    with pytest.raises(
        RuntimeError, match="nats-server did not start:\nnats-server: Parse error on line 1"
    ):
        start(server)
    assert server.process is not None
    assert server.process.returncode not in (None, 0)
    # Its exit is known already: waiting for it does not wait.
    assert asyncio.run(asyncio.wait_for(server.wait(), 5)) == server.process.returncode


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


async def test_a_killed_server_is_seen_to_exit_and_starts_again_where_it_was(
    tmp_path: Path,
) -> None:
    server = NatsServer(store_dir=tmp_path / "nats", port=free_port())
    url = server.start()
    try:
        first = server.process
        assert first is not None
        waiting = asyncio.create_task(server.wait())
        await asyncio.sleep(0.05)
        assert not waiting.done()
        os.kill(first.pid, signal.SIGKILL)
        assert await asyncio.wait_for(waiting, 10) == -signal.SIGKILL
        # The killed server's ports file stays behind; the new one's is what tells it is up.
        assert (tmp_path / "nats" / "ports" / f"nats-server_{first.pid}.ports").exists()
        assert await server.start_async() == url
        assert server.process is not first
        assert [path.name for path in (tmp_path / "nats" / "ports").iterdir()] == [
            f"nats-server_{server.process.pid}.ports"
        ]
    finally:
        server.stop()


def test_what_runs_while_the_server_gets_ready_does_not_count_against_its_time(
    tmp_path: Path,
) -> None:
    server = NatsServer(store_dir=tmp_path / "nats")
    spawned: list[bool] = []

    def meanwhile() -> None:
        # The server runs already; a slow preload longer than the timeout is not its failure.
        spawned.append(server.process is not None and server.process.poll() is None)
        time.sleep(0.5)

    try:
        assert server.start(timeout_s=0.3, meanwhile=meanwhile).startswith("nats://")
        assert spawned == [True]
    finally:
        server.stop()


def test_a_lowered_server_runs_every_thread_at_its_niceness(tmp_path: Path) -> None:
    server = NatsServer(store_dir=tmp_path / "nats", niceness=7)
    server.start()
    try:
        assert server.process is not None
        own = os.getpriority(os.PRIO_PROCESS, 0)
        tasks = list(Path(f"/proc/{server.process.pid}/task").iterdir())
        # The Go runtime's threads, each one scheduled on its own.
        assert len(tasks) > 1
        assert {os.getpriority(os.PRIO_PROCESS, int(task.name)) for task in tasks} == {
            min(own + 7, 19)
        }
        # In this session, whose autogroup the kernel schedules as one: there the niceness
        # counts against this process; in a session of its own it would not.
        assert os.getsid(server.process.pid) == os.getsid(0)
        assert os.getpgid(server.process.pid) == server.process.pid
    finally:
        server.stop()

"""``actkit run``'s supervisor with a real nats-server and the io service, forked or exec'd."""

import asyncio
import json
import logging
import os
import signal
from pathlib import Path

import psutil
import pytest

from actkit_core.bus import Bus
from actkit_core.cli import supervisor as supervisor_module
from actkit_core.cli.launch import ExecLauncher, ForkLauncher, Launched, Launcher, Relay
from actkit_core.cli.supervisor import Supervisor
from actkit_core.lifecycle import stop_requested
from actkit_core.testing.eventually import eventually
from actkit_core.testing.stack import free_port
from actkit_proto.services import service


async def _ping(url: str, data_dir: Path) -> bool:
    password = json.loads((data_dir / "nats-credentials.json").read_text())["cli"]
    async with Bus.connect("probe", servers=[url], user="cli", password=password) as bus:
        try:
            await bus.client.request("$SRV.PING.io", b"", timeout=1)
        except Exception:
            return False
        return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(90)
@pytest.mark.parametrize("make_launcher", [ForkLauncher, ExecLauncher])
async def test_the_service_is_served_restarted_when_it_dies_and_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_launcher: type[Launcher]
) -> None:
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    supervisor = Supervisor(
        tmp_path, port, services=[service("io")], metrics_base=0, launcher=make_launcher()
    )
    running = asyncio.create_task(supervisor.run())
    try:
        await eventually(
            lambda: "actkit is up" in capsys.readouterr().out or running.done(), timeout_s=30
        )
        assert not running.done()
        (child,) = supervisor.children
        first = child.process
        assert first is not None
        assert await _ping(url, tmp_path)
        os.kill(first.pid, signal.SIGKILL)
        await eventually(lambda: child.restarts == 1 and child.process is not first, timeout_s=30)
        first.send_signal(signal.SIGTERM)  # an exited process is not signalled (its pid is free)
        assert child.process is not None
        second = child.process.pid
        assert second != first.pid
        await eventually(lambda: _ping(url, tmp_path), timeout_s=30)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert not _alive(second)
    assert supervisor.stopping
    out = capsys.readouterr().out
    assert "actkit stopped: every service and nats-server have exited" in out
    assert "io       | " in out


class FirstDiesAtOnce:
    """The fork launcher, whose first service dies as soon as it is started (a failed start)."""

    def __init__(self) -> None:
        self.inner = ForkLauncher()
        self.starts = 0

    def prepare(self) -> None:
        self.inner.prepare()

    async def warm_up(self, url: str, password: str) -> None:
        await self.inner.warm_up(url, password)

    def close(self) -> None:
        self.inner.close()

    async def start(self, name: str, env: dict[str, str], relay: Relay) -> Launched:
        launched = await self.inner.start(name, env, relay)
        self.starts += 1
        if self.starts == 1:
            launched.send_signal(signal.SIGKILL)
        return launched


@pytest.mark.timeout(60)
async def test_a_service_that_dies_while_the_stack_starts_is_restarted_and_the_stack_comes_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor_module, "READY_TIMEOUT_S", 20.0)
    launcher = FirstDiesAtOnce()
    supervisor = Supervisor(
        tmp_path, free_port(), services=[service("io")], metrics_base=0, launcher=launcher
    )
    running = asyncio.create_task(supervisor.run())
    try:
        await eventually(
            lambda: "actkit is up" in capsys.readouterr().out or running.done(), timeout_s=30
        )
        assert not running.done()
        assert launcher.starts == 2
        assert supervisor.children[0].restarts == 1
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running


class Silent:
    """A launcher whose service starts but never answers."""

    def __init__(self) -> None:
        self.stopped = asyncio.Event()
        self.closed = False

    def prepare(self) -> None:
        pass

    async def warm_up(self, url: str, password: str) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    async def start(self, name: str, env: dict[str, str], relay: object) -> "Silent":  # noqa: ARG002
        return self

    pid = 0

    async def wait(self) -> int:
        await self.stopped.wait()
        return 0

    def send_signal(self, signum: int) -> None:  # noqa: ARG002 - any signal stops it
        self.stopped.set()


async def test_a_service_that_never_answers_stops_the_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(supervisor_module, "READY_TIMEOUT_S", 0.2)
    launcher = Silent()
    supervisor = Supervisor(tmp_path, free_port(), services=[service("io")], launcher=launcher)
    with pytest.raises(RuntimeError, match=r"io did not answer \$SRV.PING in time"):
        await supervisor.run()
    assert launcher.stopped.is_set()
    assert launcher.closed


class SignalledWhileStarting(Silent):
    """A launcher during whose start SIGTERM asks to stop, its cancellation lost."""

    async def start(self, name: str, env: dict[str, str], relay: object) -> "Silent":
        stop_requested().set()
        return await super().start(name, env, relay)


async def test_a_stop_asked_for_while_starting_stops_even_when_its_cancellation_was_lost(
    tmp_path: Path,
) -> None:
    launcher = SignalledWhileStarting()
    services = [service("io"), service("events")]
    supervisor = Supervisor(tmp_path, free_port(), services=services, launcher=launcher)
    with pytest.raises(asyncio.CancelledError):
        await supervisor.run()
    assert len(supervisor.children) == 2
    assert supervisor.children[1].process is None  # events never started
    assert launcher.stopped.is_set()
    assert launcher.closed


async def test_a_killed_nats_server_is_restarted_and_the_service_reconnects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "actkit.run")
    config = tmp_path / "nats-server.conf"
    pauses_s: list[float] = []

    async def pause(seconds: float) -> None:
        # The first restart finds a config nats-server cannot read, the second the right one.
        pauses_s.append(seconds)
        if len(pauses_s) == 1:
            kept.append(config.read_text())
            config.write_text("port: {not a number\n")
        else:
            config.write_text(kept[0])
        await asyncio.sleep(0)

    kept: list[str] = []
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    supervisor = Supervisor(tmp_path, port, services=[service("io")], metrics_base=0, sleep=pause)
    running = asyncio.create_task(supervisor.run())
    try:
        await eventually(
            lambda: "actkit is up" in capsys.readouterr().out or running.done(), timeout_s=30
        )
        assert not running.done()
        (nats,) = [
            process
            for process in psutil.Process().children()
            if process.name() == "nats-server" and str(tmp_path) in " ".join(process.cmdline())
        ]
        assert nats.environ()["GOMEMLIMIT"] == supervisor_module.NATS_MEMORY_LIMIT
        nats.kill()
        deadline = asyncio.get_running_loop().time() + 30
        while not await _ping(url, tmp_path):
            assert asyncio.get_running_loop().time() < deadline, caplog.text
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert pauses_s == [1, 2]
    assert f"nats-server exited with {-signal.SIGKILL}; restarting in 1 s" in caplog.messages
    assert "nats-server did not start:\nnats-server: Parse error on line 1" in caplog.text
    assert f"nats-server is back at {url}; the services reconnect" in caplog.messages
    assert supervisor.children[0].restarts == 0  # io rode it out

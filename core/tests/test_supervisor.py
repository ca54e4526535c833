"""The supervisor's parts that need no process: back-off, stopping, the start-up table, the env."""

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from actkit_core import cli, lifecycle
from actkit_core.cli import supervisor as supervisor_module
from actkit_core.cli.launch import ExecLauncher, ForkLauncher
from actkit_core.cli.supervisor import Backoff, Child, Supervisor, credentials
from actkit_core.process import PageMerging
from actkit_core.testing.clock import FakeClock
from actkit_proto.services import SERVICES, service


class Clock(FakeClock):
    """The fake clock, also moved when the supervisor pauses (``sleep``)."""

    def __init__(self) -> None:
        super().__init__()
        self.pauses_s: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.pauses_s.append(seconds)
        self.advance(seconds)


def test_the_backoff_doubles_up_to_its_limit_while_the_process_keeps_dying() -> None:
    clock = Clock()
    backoff = Backoff(clock)
    pauses_s = []
    for _ in range(7):
        clock.advance(0.5)
        pauses_s.append(backoff.exited())
        backoff.started()
    assert pauses_s == [1, 2, 4, 8, 16, 30, 30]


def test_the_backoff_starts_over_once_the_process_ran_healthy() -> None:
    clock = Clock()
    backoff = Backoff(clock)
    assert [backoff.exited(), backoff.exited(), backoff.exited()] == [1, 2, 4]
    backoff.started()
    clock.advance(supervisor_module.HEALTHY_S - 0.1)
    assert backoff.exited() == 8  # not quite healthy long enough
    backoff.started()
    clock.advance(supervisor_module.HEALTHY_S)
    assert backoff.exited() == 1


class Scripted:
    """A process that exits after the run times it is given, one per start; then stops the test."""

    def __init__(self, clock: Clock, runs_s: list[float]) -> None:
        self.clock = clock
        self.runs_s = runs_s
        self.starts = 0

    async def wait(self) -> int:
        if not self.runs_s:
            raise asyncio.CancelledError
        self.clock.advance(self.runs_s.pop(0))
        return -signal.SIGKILL

    async def restart(self) -> None:
        self.starts += 1


async def test_a_process_that_ran_healthy_is_restarted_after_the_initial_backoff_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    supervisor = Supervisor(tmp_path, launcher=ExecLauncher(), clock=clock, sleep=clock.sleep)
    # io killed five times, each after 12 s of running, then three times at once, then after 10 s.
    process = Scripted(clock, [12, 12, 12, 12, 12, 0.2, 0.2, 0.2, 10])
    with pytest.raises(asyncio.CancelledError):
        await supervisor._supervise("io", process.wait, process.restart)
    assert clock.pauses_s == [1, 1, 1, 1, 1, 2, 4, 8, 1]
    assert process.starts == 9
    assert "io exited with -9; restarting in 1 s" in caplog.messages


class Stubborn:
    """A launched process that ignores SIGTERM and exits on SIGKILL."""

    pid = 4242

    def __init__(self) -> None:
        self.signals: list[int] = []
        self._killed = asyncio.Event()

    async def wait(self) -> int:
        await self._killed.wait()
        return -signal.SIGKILL

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        if signum == signal.SIGKILL:
            self._killed.set()


async def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(supervisor_module, "STOP_GRACE_S", 0.01)
    process = Stubborn()
    child = Child(service("io"), {}, ExecLauncher(), process=process)
    await child.stop()
    assert process.signals == [signal.SIGTERM, signal.SIGKILL]
    assert "io did not stop in 0 s; killing it" in caplog.text


async def test_a_child_never_started_needs_no_stopping() -> None:
    await Child(service("io"), {}, ExecLauncher()).stop()


def test_each_child_gets_its_own_user_folder_and_metrics_port(tmp_path: Path) -> None:
    supervisor = Supervisor(
        tmp_path, metrics_base=9400, extra_env={"ACTKIT_X": "1"}, launcher=ExecLauncher()
    )
    env = supervisor._child_env(service("events"), "nats://127.0.0.1:1", {"events": "k1"})
    assert env == {
        "ACTKIT_EVENTS_NATS_URL": "nats://127.0.0.1:1",
        "ACTKIT_EVENTS_NATS_USER": "events",
        "ACTKIT_EVENTS_NATS_PASSWORD": "k1",
        "ACTKIT_EVENTS_DATA_DIR": str(tmp_path.resolve()),
        "ACTKIT_EVENTS_METRICS_PORT": str(9400 + [s.name for s in SERVICES].index("events")),
        "ACTKIT_X": "1",
    }
    assert Supervisor(tmp_path).metrics_ports["io"] == service("io").metrics_port
    assert isinstance(Supervisor(tmp_path).launcher, ForkLauncher)


def test_the_table_shows_the_dashboard_the_web_wrote_or_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor = Supervisor(
        tmp_path, services=[service("io")], metrics_base=0, launcher=ExecLauncher()
    )
    supervisor.children = [Child(service("io"), {}, supervisor.launcher)]
    monkeypatch.setenv("ACTKIT_WEB_HTTPS_PORT", "9443")
    supervisor._print_table("nats://127.0.0.1:4", 1.25, PageMerging.OFF_ON_THIS_BOARD)
    out = capsys.readouterr().out
    assert out.startswith("actkit is up in 1.2 s — nats-server at nats://127.0.0.1:4\n")
    assert "  io               0  http://127.0.0.1:0/metrics" in out
    assert "dashboard: https://localhost:9443/" in out
    assert "memory: identical memory pages are not merged: KSM is off (1 in " in out
    (tmp_path / "web-urls.json").write_text(
        json.dumps({"https": "https://h:1/", "http": "http://h:2/"})
    )
    assert supervisor._dashboard_urls() == "https://h:1/ (and http://h:2/)"
    (tmp_path / "web-urls.json").write_text(json.dumps({"https": "https://h:1/"}))
    assert supervisor._dashboard_urls() == "https://localhost:9443/"


def test_passwords_are_added_for_users_the_file_lacks(tmp_path: Path) -> None:
    (tmp_path / "nats-credentials.json").write_text(json.dumps({"io": "kept1", "web": "not-alnum"}))
    passwords = credentials(tmp_path)
    assert passwords["io"] == "kept1"
    assert passwords["web"] != "not-alnum"
    assert json.loads((tmp_path / "nats-credentials.json").read_text()) == passwords
    fresh = tmp_path / "fresh"
    credentials(fresh)
    assert (fresh / "nats-credentials.json").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(("launch", "launcher"), [("fork", ForkLauncher), ("exec", ExecLauncher)])
def test_actkit_run_supervises_with_the_launcher_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, launch: str, launcher: type[Any]
) -> None:
    started: list[Supervisor] = []

    def run(main: Any) -> None:
        started.append(main.cr_frame.f_locals["self"])
        main.close()

    monkeypatch.setattr(lifecycle, "run", run)
    argv = ["--data-dir", str(tmp_path), "run", "--nats-port", "4333", "--metrics-base", "9500"]
    assert cli.main([*argv, "--launch", launch]) == 0
    (supervisor,) = started
    assert isinstance(supervisor.launcher, launcher)
    assert (supervisor.data_dir, supervisor.nats_port) == (tmp_path.resolve(), 4333)
    assert supervisor.metrics_ports["io"] == 9500


def test_a_passwords_file_others_can_read_is_made_the_owners_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "nats-credentials.json"
    credentials(tmp_path)
    path.chmod(0o644)  # e.g. copied back from a backup
    kept = json.loads(path.read_text())
    assert credentials(tmp_path) == kept
    assert path.stat().st_mode & 0o777 == 0o600
    assert "could be read by other users" in caplog.text

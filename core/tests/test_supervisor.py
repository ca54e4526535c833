"""The supervisor's parts that need no process: stopping, the start-up table, the child's env."""

import asyncio
import json
import signal
from pathlib import Path
from typing import Any

import pytest

from actkit_core import cli, lifecycle
from actkit_core.cli import supervisor as supervisor_module
from actkit_core.cli.launch import ExecLauncher, ForkLauncher
from actkit_core.cli.supervisor import Child, Supervisor, credentials
from actkit_core.process import PageMerging
from actkit_proto.services import SERVICES, service


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

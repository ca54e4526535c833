"""``actkit run --nats-url``: the services on a nats-server that runs already, as the board's
container runs them beside the nats container; as root, each but system as an unprivileged user.
"""

import asyncio
import os
import stat
import sys
from pathlib import Path

import psutil
import pytest

from actkit_core.bus import Bus
from actkit_core.cli.launch import ExecLauncher, ForkLauncher, ServiceUser
from actkit_core.cli.supervisor import Supervisor, credentials, given_passwords
from actkit_core.natsconf import password_variable, render
from actkit_core.natsserver import NatsServer
from actkit_core.testing.eventually import eventually
from actkit_proto.services import service

NOBODY = 65534


def _closed_to_others(path: Path) -> Path | None:
    """The first folder above ``path`` that other users may not pass through, if any."""
    for folder in reversed([path, *path.parents]):
        if not folder.stat().st_mode & stat.S_IXOTH:
            return folder
    return None


CLOSED = _closed_to_others(Path(sys.prefix))


def test_every_password_must_be_given(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    passwords = credentials(tmp_path)
    for user, password in passwords.items():
        monkeypatch.setenv(password_variable(user), password)
    assert given_passwords() == passwords
    monkeypatch.delenv(password_variable("web"))
    monkeypatch.setenv(password_variable("io"), "")
    with pytest.raises(SystemExit, match=r"set ACTKIT_NATS_PASSWORD_IO, ACTKIT_NATS_PASSWORD_WEB$"):
        given_passwords()


def test_the_service_user_is_dropped_by_all_but_system() -> None:
    user = ServiceUser(NOBODY, NOBODY)
    assert user.drops_for("io") is (os.getuid() == 0)
    assert not user.drops_for("system")
    with pytest.raises(SystemExit, match="there is no user 'no-such-user'"):
        ServiceUser.named("no-such-user")


def test_a_service_user_is_found_by_name_and_dropped_to_groups_gid_then_uid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The drop itself, in this process, with the calls recorded: a forked child that really drops
    # cannot write its coverage where root's process put the project.
    assert ServiceUser.named("root") == ServiceUser(0, 0)
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(os, "getuid", lambda: 0)
    monkeypatch.setattr(os, "setgroups", lambda groups: calls.append(("groups", groups)))
    monkeypatch.setattr(os, "setgid", lambda gid: calls.append(("gid", gid)))
    monkeypatch.setattr(os, "setuid", lambda uid: calls.append(("uid", uid)))
    user = ServiceUser(NOBODY, NOBODY)
    user.drop("system")
    user.drop("io")
    assert calls == [("groups", []), ("gid", NOBODY), ("uid", NOBODY)]
    exec_credentials = ExecLauncher(user)._credentials
    assert exec_credentials("io") == {"user": NOBODY, "group": NOBODY, "extra_groups": []}
    assert exec_credentials("system") == {}


@pytest.mark.timeout(90)
@pytest.mark.skipif(os.getuid() != 0, reason="dropping to another user needs root")
@pytest.mark.skipif(
    CLOSED is not None,
    reason=f"the service user cannot reach the project's environment: {CLOSED} is closed to "
    "other users (the board's image keeps it in /app, open to them; tests/board checks the uids)",
)
async def test_services_use_the_given_server_and_run_as_the_service_user(
    tmp_path: Path,
    open_folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    passwords = credentials(tmp_path)
    env = {password_variable(user): password for user, password in passwords.items()}
    for variable, password in env.items():
        monkeypatch.setenv(variable, password)
    config = tmp_path / "nats-server.conf"
    config.write_text(render())
    server = NatsServer(store_dir=tmp_path / "nats", config=config, env=env)
    url = server.start()
    launcher = ForkLauncher(ServiceUser(NOBODY, NOBODY))
    services = [service("io"), service("system")]
    supervisor = Supervisor(
        open_folder, services=services, metrics_base=0, launcher=launcher, nats_url=url
    )
    running = asyncio.create_task(supervisor.run())
    try:
        await eventually(
            lambda: "actkit is up" in capsys.readouterr().out or running.done(), timeout_s=60
        )
        assert not running.done()
        assert not (open_folder / "nats-server.conf").exists()  # no server of its own
        uids = {
            child.info.name: psutil.Process(child.process.pid).uids().real
            for child in supervisor.children
            if child.process is not None
        }
        assert uids == {"io": NOBODY, "system": 0}
        async with Bus.connect(
            "probe", servers=[url], user="cli", password=passwords["cli"]
        ) as bus:
            await bus.client.request("$SRV.PING.io", b"", timeout=5)
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        server.stop()

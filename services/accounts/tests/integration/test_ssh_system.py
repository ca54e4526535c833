"""SSH accounts through the bus become system users a real SSH client logs in as, on a real sshd."""

import asyncio
import contextlib
import grp
import os
import pwd
import secrets
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TypeVar

import asyncssh
import psutil
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from actkit_accounts.main import serve
from actkit_accounts.settings import AccountsSettings
from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_core.testing.stack import free_port
from actkit_proto import Conflict, Unavailable
from actkit_proto.accounts import (
    AddSshAccount,
    DeleteSshAccount,
    GetSshAccounts,
    SetSshEnabled,
    UpdateSshAccount,
)
from actkit_proto.base import Command, Reply
from actkit_proto.params import RestoreScope, RestoreSettings

from ..conftest import CHEAP_ARGON2

SSHD = Path("/usr/sbin/sshd")
R = TypeVar("R", bound=Reply)

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="making system users needs root"),
    pytest.mark.skipif(
        not SSHD.exists(),
        reason="openssh-server is not installed (apt-get install openssh-server; .ci/run does)",
    ),
]


@pytest.fixture
def system_names() -> Iterator[tuple[str, str]]:
    """A group and a user prefix no one else uses; every user of the group is removed after."""
    suffix = secrets.token_hex(3)
    group, prefix = f"akt{suffix}", f"t{suffix}-"
    try:
        yield group, prefix
    finally:
        with contextlib.suppress(KeyError):
            gid = grp.getgrnam(group).gr_gid
            for user in pwd.getpwall():
                if user.pw_gid == gid:
                    end_sessions_of(user.pw_uid)
                    subprocess.run(
                        ["userdel", "--force", "--remove", user.pw_name], capture_output=True
                    )
            subprocess.run(["groupdel", group], capture_output=True)


def end_sessions_of(uid: int) -> None:
    """End what a test's SSH logins left running as a user the test made, by process id."""
    for process in psutil.process_iter(["uids"]):
        if process.info["uids"] is not None and process.info["uids"].real == uid:
            with contextlib.suppress(psutil.Error):
                process.kill()


def ssh_config_dir(folder: Path) -> Path:
    """An sshd_config as Debian's (drop-ins first), with its own host key and no PID file."""
    folder.mkdir()
    host_key = folder / "ssh_host_ed25519_key"
    key = Ed25519PrivateKey.generate()
    host_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        )
    )
    host_key.chmod(0o600)
    (folder / "sshd_config").write_text(
        f"Include {folder}/sshd_config.d/*.conf\n"
        f"HostKey {host_key}\n"
        "PidFile none\n"
        "UsePAM yes\n"
        "KbdInteractiveAuthentication no\n"
    )
    return folder


@pytest_asyncio.fixture
async def service(
    bus: Bus, nats_server: str, tmp_path: Path, system_names: tuple[str, str]
) -> AsyncIterator[AccountsSettings]:
    group, prefix = system_names
    settings = AccountsSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        adapter="system",
        ssh_user_prefix=prefix,
        ssh_group=group,
        ssh_home_base=tmp_path / "home",
        ssh_config_dir=ssh_config_dir(tmp_path / "ssh"),
        ssh_port=free_port(),
        **CHEAP_ARGON2,  # type: ignore[arg-type]
    )
    async with running(serve, settings):
        yield settings


async def ask(bus: Bus, command: Command[R]) -> R:
    """Send a command with time for system tools on a busy machine (useradd, userdel, sshd)."""
    return await bus.request(command, timeout_s=30)


async def run_id(port: int, login: str, password: str) -> str:
    """Log in with a real SSH client and run ``id``."""
    async with asyncssh.connect(
        "127.0.0.1", port, username=login, password=password, known_hosts=None,
        client_keys=None, agent_path=None, connect_timeout=30,
    ) as connection:  # fmt: skip
        result = await connection.run("id", check=True, timeout=30)
    return str(result.stdout)


async def test_an_ssh_account_logs_in_to_a_real_sshd_until_disabled_or_deleted(
    bus: Bus, service: AccountsSettings
) -> None:
    port, group = service.ssh_port, service.ssh_group
    password = "pa:ss w0rd!"
    added = await ask(bus, AddSshAccount(name="Service", password=password, comment="van 7"))
    login = added.login_name
    assert login == f"{service.ssh_user_prefix}service"
    user = pwd.getpwnam(login)
    assert (grp.getgrgid(user.pw_gid).gr_name, user.pw_gecos) == (group, "van 7")
    assert Path(user.pw_dir) == service.ssh_home_base / login

    state = await ask(bus, SetSshEnabled(is_enabled=True))
    assert state.is_enabled
    drop_in = (service.ssh_config_dir / "sshd_config.d").glob("*.conf")
    assert f"AllowGroups {group}\n" in next(drop_in).read_text()

    who = await run_id(port, login, password)
    assert f"({login})" in who
    assert f"({group})" in who
    with pytest.raises(asyncssh.PermissionDenied):
        await run_id(port, login, "wrong")

    await ask(bus, UpdateSshAccount(name="Service", password="new one"))
    with pytest.raises(asyncssh.PermissionDenied):
        await run_id(port, login, password)
    assert f"({login})" in await run_id(port, login, "new one")

    await ask(bus, SetSshEnabled(is_enabled=False))
    with pytest.raises(OSError):
        await run_id(port, login, "new one")

    await ask(bus, SetSshEnabled(is_enabled=True))
    assert f"({login})" in await run_id(port, login, "new one")
    await ask(bus, DeleteSshAccount(name="Service"))
    with pytest.raises(KeyError):
        pwd.getpwnam(login)
    assert not Path(user.pw_dir).exists()
    with pytest.raises(asyncssh.PermissionDenied):
        await run_id(port, login, "new one")
    assert (await ask(bus, GetSshAccounts())).accounts == []


async def test_ssh_off_keeps_an_open_session_and_deleting_the_account_ends_it(
    bus: Bus, service: AccountsSettings
) -> None:
    added = await ask(bus, AddSshAccount(name="tech", password="pw"))
    await ask(bus, SetSshEnabled(is_enabled=True))
    async with asyncssh.connect(
        "127.0.0.1", service.ssh_port, username=added.login_name, password="pw",
        known_hosts=None, client_keys=None, agent_path=None, connect_timeout=30,
    ) as connection:  # fmt: skip
        shell = await connection.create_process("sleep 600")
        # Turning SSH off stops new logins and leaves the open session, as sshd does.
        await ask(bus, SetSshEnabled(is_enabled=False))
        assert shell.exit_status is None
        await ask(bus, DeleteSshAccount(name="tech"))
        await asyncio.wait_for(shell.wait_closed(), 30)
    with pytest.raises(KeyError):
        pwd.getpwnam(added.login_name)


async def test_a_system_user_outside_the_group_is_never_touched(
    bus: Bus, service: AccountsSettings
) -> None:
    # With the prefix, the system user "<prefix>other" made here by hand is not the device's.
    login = f"{service.ssh_user_prefix}other"
    subprocess.run(["useradd", "--no-create-home", "--user-group", login], check=True)
    try:
        before = pwd.getpwnam(login)
        with pytest.raises(Conflict, match="not an SSH account of this device"):
            await ask(bus, AddSshAccount(name="other", password="pw"))
        assert pwd.getpwnam(login) == before
    finally:
        subprocess.run(["userdel", login], capture_output=True)
        subprocess.run(["groupdel", login], capture_output=True)


async def test_factory_default_removes_the_system_users_and_stops_sshd(
    bus: Bus, service: AccountsSettings
) -> None:
    logins = [
        (await ask(bus, AddSshAccount(name=name, password="pw"))).login_name
        for name in ("one", "two")
    ]
    await ask(bus, SetSshEnabled(is_enabled=True))
    assert f"({logins[0]})" in await run_id(service.ssh_port, logins[0], "pw")
    await ask(bus, RestoreSettings(service="accounts", scope=RestoreScope.FACTORY_DEFAULT))
    for login in logins:
        with pytest.raises(KeyError):
            pwd.getpwnam(login)
    with pytest.raises(OSError):
        await run_id(service.ssh_port, logins[1], "pw")


async def test_sshd_is_not_started_when_its_config_ignores_the_drop_in(
    bus: Bus, service: AccountsSettings
) -> None:
    main = service.ssh_config_dir / "sshd_config"
    main.write_text("".join(main.read_text().splitlines(keepends=True)[1:]))  # no Include
    with pytest.raises(Unavailable, match=r"put 'Include .*sshd_config.d/\*.conf' at its top"):
        await ask(bus, SetSshEnabled(is_enabled=True))
    with pytest.raises(OSError):
        await asyncio.open_connection("127.0.0.1", service.ssh_port)

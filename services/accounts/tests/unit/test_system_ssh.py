"""The parts of the real SSH adapter that need no root: names and the sshd drop-in."""

import os
from dataclasses import replace
from pathlib import Path

import pytest

from actkit_accounts.adapters import system
from actkit_accounts.adapters.system import SshLayout, SystemSsh
from actkit_proto import Invalid


def adapter(prefix: str = "ssh-") -> SystemSsh:
    return SystemSsh(
        SshLayout(
            user_prefix=prefix,
            group="actkit-ssh",
            home_base=Path("/home"),
            shell=Path("/bin/sh"),
            config_dir=Path("/etc/ssh"),
            sshd_binary=Path("/usr/sbin/sshd"),
            port=2222,
        )
    )


def test_the_system_user_is_the_prefix_and_the_name_in_lower_case() -> None:
    assert adapter().login_name("Service.Tech") == "ssh-service.tech"
    assert adapter().login_name("a" * 28) == "ssh-" + "a" * 28


@pytest.mark.parametrize(("prefix", "name"), [("ssh-", "a" * 29), ("", "1tech"), ("", "-x")])
def test_names_the_system_cannot_hold_are_refused_with_the_rule(prefix: str, name: str) -> None:
    with pytest.raises(Invalid, match="must start with a letter or '_' and have at most"):
        adapter(prefix).login_name(name)


def test_the_drop_in_lets_only_the_group_in_with_a_password_on_the_port() -> None:
    ssh = adapter()
    assert ssh.layout.drop_in == Path("/etc/ssh/sshd_config.d/00-actkit-accounts.conf")
    lines = ssh.drop_in_text().splitlines()
    assert {"Port 2222", "AllowGroups actkit-ssh", "PasswordAuthentication yes"} <= set(lines)
    assert "PermitRootLogin no" in lines


async def test_sshd_s_runtime_directory_is_made_before_sshd_reads_its_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without systemd nothing else makes /run/sshd, and ``sshd -T`` already refuses without it."""
    runtime = tmp_path / "run" / "sshd"
    monkeypatch.setattr(system, "PRIVSEP_DIR", runtime)
    ssh = SystemSsh(replace(adapter().layout, config_dir=tmp_path / "ssh"))
    seen: list[int] = []

    async def nothing() -> None:
        pass

    async def check() -> None:
        seen.append(runtime.stat().st_mode & 0o777)

    monkeypatch.setattr(ssh, "_ensure_group", nothing)
    monkeypatch.setattr(ssh, "_check_effective_config", check)
    monkeypatch.setattr(ssh, "_start", nothing)
    old_umask = os.umask(0o077)
    try:
        await ssh.set_enabled(True)
    finally:
        os.umask(old_umask)
    assert seen == [0o755]

"""An SSH account added on the SSH accounts page logs in to a real sshd, in headless Chromium.

The stack's accounts service runs its ``system`` SSH adapter here, as on the board: the account
becomes a system user (useradd, chpasswd) in a group of this test's own, and turning SSH on
writes the sshd_config drop-in and starts sshd on a free port with the test's sshd_config, which
includes the drop-in. Needs root and openssh-server.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import psutil
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.async_api import Browser, expect

from actkit_core.testing.forker import StackForker
from actkit_core.testing.stack import Stack, free_port, running_stack

from .conftest import printed_since_up
from .test_web_browser import _logged_in_administrator, _shot, browser
from .test_web_browser import pytestmark as browser_marks

__all__ = ["browser"]

SSHD = Path("/usr/sbin/sshd")
pytestmark = [
    *browser_marks,
    pytest.mark.skipif(os.geteuid() != 0, reason="making system users needs root"),
    pytest.mark.skipif(not SSHD.exists(), reason="needs openssh-server"),
]


def _sshd_config(folder: Path) -> Path:
    """The device's sshd_config as Debian's: the drop-ins first; a host key of its own."""
    folder.mkdir()
    host_key = folder / "ssh_host_ed25519_key"
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    host_key.write_bytes(key)
    host_key.chmod(0o600)
    (folder / "sshd_config").write_text(
        f"Include {folder}/sshd_config.d/*.conf\nHostKey {host_key}\nPidFile none\nUsePAM yes\n"
    )
    return folder


def _remove_group(group: str) -> None:
    """Every user of ``group`` (their sessions ended by PID) and the group itself."""
    with contextlib.suppress(KeyError):
        gid = grp.getgrnam(group).gr_gid
        for user in pwd.getpwall():
            if user.pw_gid == gid:
                for process in psutil.process_iter(["uids"]):
                    uids = process.info["uids"]
                    if uids is not None and uids.real == user.pw_uid:
                        with contextlib.suppress(psutil.Error):
                            process.kill()
                subprocess.run(["userdel", "--force", "--remove", user.pw_name], check=False)
        subprocess.run(["groupdel", group], check=False)


@pytest.fixture
def ssh_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forker: StackForker
) -> Iterator[tuple[Stack, int]]:
    """The stack with the accounts service applying SSH to this machine; its sshd's port."""
    suffix = secrets.token_hex(3)
    group, port = f"akw{suffix}", free_port()
    for name, value in {
        "ADAPTER": "system",
        "SSH_USER_PREFIX": f"w{suffix}-",
        "SSH_GROUP": group,
        "SSH_HOME_BASE": str(tmp_path / "home"),
        "SSH_CONFIG_DIR": str(_sshd_config(tmp_path / "ssh")),
        "SSH_PORT": str(port),
    }.items():
        monkeypatch.setenv(f"ACTKIT_ACCOUNTS_{name}", value)
    try:
        with running_stack(tmp_path / "var", forker=forker) as stack:
            yield stack, port
            refused = [line for line in printed_since_up(stack) if "permissions violation" in line]
            assert refused == [], "a service reached past its NATS permissions (make nats-conf)"
    finally:
        _remove_group(group)


async def test_an_ssh_account_added_on_the_page_logs_in_to_the_real_sshd(
    ssh_stack: tuple[Stack, int], browser: Browser
) -> None:
    stack, port = ssh_stack
    context, page = await _logged_in_administrator(stack, browser)
    await page.click("nav >> text=SSH accounts")
    await page.check("#ssh-is_enabled")
    await page.click("#service button[type=submit]")
    await expect(page.locator("#ssh-is_enabled")).to_be_checked()
    await page.fill("#ssh-name", "Tech")
    await page.fill("#ssh-password", "van-pass-1")
    await page.fill("#ssh-comment", "workshop")
    await page.click("#add button[type=submit]")
    row = page.locator("#account-Tech")
    await expect(row).to_be_visible()
    login = (await row.locator("td").nth(1).inner_text()).strip()
    assert login.endswith("-tech")
    await _shot(page, "47-ssh-account-added")

    async with asyncssh.connect(
        "127.0.0.1", port, username=login, password="van-pass-1", known_hosts=None,
        client_keys=None, agent_path=None, connect_timeout=30,
    ) as connection:  # fmt: skip
        whoami = await connection.run("id -un", check=True, timeout=30)
    assert str(whoami.stdout).strip() == login
    with pytest.raises(asyncssh.PermissionDenied):
        async with asyncssh.connect(
            "127.0.0.1", port, username=login, password="wrong", known_hosts=None,
            client_keys=None, agent_path=None, connect_timeout=30,
        ):  # fmt: skip
            pass
    await context.close()

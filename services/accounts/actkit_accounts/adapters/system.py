"""The real SSH server: system users in a dedicated group, an sshd_config drop-in, sshd run here.

Every SSH account becomes the system user ``<prefix><name in lower case>`` whose primary group
is the dedicated group; the adapter changes and removes only users of that group, so it never
touches the device's other users. Turning SSH on writes a drop-in (port, ``AllowGroups``,
password logins) into ``<config_dir>/sshd_config.d/`` and starts ``sshd -D`` as a child of the
service (a signal reloads it); turning SSH off stops it. Needs root.
"""

from __future__ import annotations

import asyncio
import contextlib
import grp
import logging
import os
import pwd
import re
import shutil
import signal
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from actkit_proto import Conflict, Invalid, Unavailable

log = logging.getLogger(__name__)

DROP_IN_NAME = "00-actkit-accounts.conf"
PRIVSEP_DIR = Path("/run/sshd")
"""Where sshd drops privileges to. Its systemd unit makes it (``RuntimeDirectory=sshd``, mode 0755);
without systemd, as on the board, the adapter does. sshd refuses to start, or even to print its
configuration with ``-T``, without it."""
MAX_LOGIN_LENGTH = 32
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0
_LOGIN = re.compile(r"^[a-z_][a-z0-9_.\-]*$")
_TOOL_PATH = os.pathsep.join(
    [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"]
)


@dataclass(frozen=True)
class SshLayout:
    """Where and how the adapter applies SSH settings to the system."""

    user_prefix: str
    group: str
    home_base: Path
    shell: Path
    config_dir: Path
    sshd_binary: Path
    port: int

    @property
    def main_config(self) -> Path:
        return self.config_dir / "sshd_config"

    @property
    def drop_in(self) -> Path:
        return self.config_dir / "sshd_config.d" / DROP_IN_NAME


class SystemSsh:
    """Applies SSH accounts and the on/off switch to this machine (see the module docstring)."""

    def __init__(self, layout: SshLayout) -> None:
        self.layout = layout
        self._sshd: asyncio.subprocess.Process | None = None
        self._sshd_output: deque[str] = deque(maxlen=20)
        self._reader: asyncio.Task[None] | None = None

    def login_name(self, name: str) -> str:
        """The system user of the SSH account ``name``; Invalid when the system cannot hold it."""
        login = self.layout.user_prefix + name.lower()
        if len(login) > MAX_LOGIN_LENGTH or not _LOGIN.match(login) or login.isdigit():
            room = MAX_LOGIN_LENGTH - len(self.layout.user_prefix)
            raise Invalid(
                f"{name!r} cannot be an SSH account on this device: the name must start with a "
                f"letter or '_' and have at most {room} characters"
            )
        return login

    # --- users ---------------------------------------------------------------------------------

    async def set_user(self, name: str, password: str | None, comment: str) -> None:
        login = self.login_name(name)
        gid = await self._ensure_group()
        existing = _user(login)
        gecos = _gecos(comment)
        if existing is None:
            if password is None:
                raise Conflict(f"the system has no user {login}; give the account a password")
            self.layout.home_base.mkdir(parents=True, exist_ok=True)
            await _run(
                "useradd",
                "--create-home",
                "--base-dir",
                str(self.layout.home_base),
                "--gid",
                str(gid),
                "--no-user-group",
                "--shell",
                str(self.layout.shell),
                "--comment",
                gecos,
                login,
            )
            try:
                await _run("chpasswd", stdin=f"{login}:{password}\n")
            except Unavailable:
                await _run("userdel", "--remove", login)
                raise
            return
        self._check_managed(existing, gid)
        await _run("usermod", "--comment", gecos, login)
        if password is not None:
            await _run("chpasswd", stdin=f"{login}:{password}\n")

    async def remove_user(self, name: str) -> None:
        login = self.login_name(name)
        existing = _user(login)
        if existing is None:
            return
        group = _group_id(self.layout.group)
        if group is None or existing.pw_gid != group or existing.pw_uid == 0:
            log.warning("not removing system user %s: it is not in group %s", login, group)
            return
        await _end_processes_of(existing.pw_uid)
        await _run("userdel", "--remove", login, allowed_codes=(0, 12))

    def _check_managed(self, user: pwd.struct_passwd, gid: int) -> None:
        if user.pw_gid != gid or user.pw_uid == 0:
            raise Conflict(
                f"the system already has a user {user.pw_name} that is not an SSH account of "
                "this device; choose another name"
            )

    async def _ensure_group(self) -> int:
        gid = _group_id(self.layout.group)
        if gid is None:
            await _run("groupadd", "--system", self.layout.group)
            gid = _group_id(self.layout.group)
        if gid is None:
            raise Unavailable(f"the group {self.layout.group} could not be created")
        return gid

    # --- the server ------------------------------------------------------------------------------

    async def set_enabled(self, is_enabled: bool) -> None:
        if not is_enabled:
            await self._stop()
            return
        await self._ensure_group()
        self._write_drop_in()
        _make_runtime_dir()
        await self._check_effective_config()
        if self._is_running():
            assert self._sshd is not None
            self._sshd.send_signal(signal.SIGHUP)
            return
        await self._start()

    def drop_in_text(self) -> str:
        """What the drop-in holds: the port, who may log in and how."""
        return (
            "# Written by the actkit accounts service when SSH is turned on; edits are lost.\n"
            f"Port {self.layout.port}\n"
            f"AllowGroups {self.layout.group}\n"
            "PasswordAuthentication yes\n"
            "PermitRootLogin no\n"
            "PermitEmptyPasswords no\n"
        )

    async def _check_effective_config(self) -> None:
        """Refuse to start sshd unless the configuration it reads has the drop-in's restrictions.

        A main config without the ``Include`` would let every user in with sshd's defaults.
        """
        effective = await _run(
            str(self.layout.sshd_binary), "-T", "-f", str(self.layout.main_config)
        )
        lines = set(effective.lower().splitlines())
        wanted = {f"port {self.layout.port}", f"allowgroups {self.layout.group}"}
        if not wanted <= lines:
            raise Unavailable(
                f"{self.layout.main_config} does not apply {self.layout.drop_in}: put "
                f"'Include {self.layout.drop_in.parent}/*.conf' at its top"
            )

    def _write_drop_in(self) -> None:
        drop_in = self.layout.drop_in
        drop_in.parent.mkdir(parents=True, exist_ok=True)
        partial = drop_in.with_suffix(".partial")
        partial.write_text(self.drop_in_text())
        partial.chmod(0o644)
        partial.replace(drop_in)

    def _is_running(self) -> bool:
        return self._sshd is not None and self._sshd.returncode is None

    async def _start(self) -> None:
        self._sshd_output.clear()
        self._sshd = await asyncio.create_subprocess_exec(
            str(self.layout.sshd_binary),
            "-D",
            "-e",
            "-f",
            str(self.layout.main_config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_output(self._sshd))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT_S
        while not await _accepts("127.0.0.1", self.layout.port):
            if self._sshd.returncode is not None or loop.time() > deadline:
                await self._stop()
                said = " / ".join(self._sshd_output) or "nothing"
                raise Unavailable(f"sshd did not start on port {self.layout.port}: {said}")
            await asyncio.sleep(0.05)
        log.info("sshd listening on port %d", self.layout.port)

    async def _read_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode(errors="replace").rstrip()
            self._sshd_output.append(line)
            log.debug("sshd: %s", line)

    async def _stop(self) -> None:
        process, self._sshd = self._sshd, None
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                process.kill()
                await process.wait()
            log.info("sshd stopped")
        if self._reader is not None:
            # Open sessions are sshd's children and hold its stderr: stop reading, not wait.
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None

    async def close(self) -> None:
        """Stop sshd with the service (it starts again with the service when SSH is on)."""
        await self._stop()


def _user(login: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(login)
    except KeyError:
        return None


def _group_id(group: str) -> int | None:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def _gecos(comment: str) -> str:
    """The comment as the passwd file can hold it (no field separator)."""
    return comment.replace(":", ";")


async def _end_processes_of(uid: int) -> None:
    """End what a removed user still runs (its SSH sessions): userdel refuses while any is left.

    A killed process lingers until its parent collects it, so this waits (a few seconds at most).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STOP_TIMEOUT_S
    while (pids := _processes_of(uid)) and loop.time() < deadline:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.05)


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        uid_line = next((line for line in status.splitlines() if line.startswith("Uid:")), "")
        if uid_line.split()[1:2] == [str(uid)]:
            found.append(int(entry.name))
    return found


async def _accepts(host: str, port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def _run(
    tool: str, *args: str, stdin: str | None = None, allowed_codes: tuple[int, ...] = (0,)
) -> str:
    """Run a system tool and return what it wrote; Unavailable with that when it fails."""
    program = tool if os.sep in tool else shutil.which(tool, path=_TOOL_PATH)
    if program is None:
        raise Unavailable(f"{tool} is not installed on this device")
    process = await asyncio.create_subprocess_exec(
        program,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate(stdin.encode() if stdin is not None else None)
    if process.returncode not in allowed_codes:
        said = " ".join(output.decode(errors="replace").split())[:300]
        raise Unavailable(f"{Path(program).name} failed ({process.returncode}): {said}")
    return output.decode(errors="replace")


def _make_runtime_dir() -> None:
    """Make sshd's runtime directory as its systemd unit does: mode 0755 (/run is a tmpfs)."""
    PRIVSEP_DIR.mkdir(parents=True, exist_ok=True)
    PRIVSEP_DIR.chmod(0o755)

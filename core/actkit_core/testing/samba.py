"""A real Samba file server for tests: smbd on a loopback port, with its own config and state.

smbd runs as root and maps each login to a Unix account: :data:`USERNAME` is mapped to the one
running the test, with a password in smbd's own password database. Its share :data:`SHARE` has
a folder ``events`` and a folder ``full``: a 16 KiB tmpfs, filled up, mounted in smbd's own mount
namespace, so that it goes away with smbd and nothing is left mounted.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from actkit_core.testing.stack import free_port, wait_until_listening

USERNAME = "cam"
PASSWORD = "smb-s3cret"
SHARE = "events"
WORKGROUP = "ACTKIT"


@dataclass(frozen=True)
class Samba:
    """A running smbd that lets :data:`USERNAME` in with :data:`PASSWORD`."""

    folder: Path
    port: int
    host: str = "127.0.0.1"
    username: str = USERNAME
    password: str = PASSWORD
    share: str = SHARE
    domain: str = WORKGROUP

    @property
    def share_path(self) -> Path:
        """The share's folder on this machine: what the server's clients wrote is there."""
        return self.folder / "share"

    @property
    def log(self) -> str:
        """What smbd logged so far."""
        return (self.folder / "smbd.log").read_text(errors="replace")


def _config(server: Samba) -> str:
    folder = server.folder
    return f"""[global]
  server role = standalone server
  workgroup = {server.domain}
  passdb backend = tdbsam:{folder}/private/passdb.tdb
  private dir = {folder}/private
  lock directory = {folder}/lock
  state directory = {folder}/state
  cache directory = {folder}/cache
  pid directory = {folder}/pid
  ncalrpc dir = {folder}/ncalrpc
  binddns dir = {folder}/bind-dns
  log file = {folder}/smbd.log
  log level = 1
  smb ports = {server.port}
  interfaces = {server.host}
  bind interfaces only = yes
  disable netbios = yes
  load printers = no
  printcap name = /dev/null
  disable spoolss = yes
  server min protocol = SMB2_02
  username map = {folder}/users.map
[{server.share}]
  path = {server.share_path}
  read only = no
"""


@contextlib.contextmanager
def samba(timeout_s: float = 10.0) -> Iterator[Samba]:
    """Samba serving :data:`SHARE` until the block ends; needs root (smbd, a mount namespace).

    Raises:
        RuntimeError: it exited or did not listen in time; its log is included.
    """
    folder = Path(tempfile.mkdtemp(prefix="actkit-samba-"))
    server = Samba(folder, free_port())
    try:
        for name in ("share/events", "share/full", "private", "lock", "state", "cache", "pid"):
            (folder / name).mkdir(parents=True)
        config = folder / "smb.conf"
        config.write_text(_config(server))
        (folder / "smbd.log").touch()
        unix_user = pwd.getpwuid(os.getuid()).pw_name
        (folder / "users.map").write_text(f"{unix_user} = {server.username}\n")
        subprocess.run(
            ["smbpasswd", "-c", str(config), "-s", "-a", unix_user],
            input=f"{server.password}\n{server.password}\n",
            capture_output=True,
            text=True,
            check=True,
        )
        full = shlex.quote(str(server.share_path / "full"))
        script = (
            f"mount -t tmpfs -o size=16k actkit-full {full}"
            f" && (cat /dev/zero > {full}/.fill 2>/dev/null; true)"
            f" && exec smbd --foreground --no-process-group --configfile={shlex.quote(str(config))}"
        )
        process = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            waiting = wait_until_listening(
                server.host, [server.port], lambda: process.poll() is None, timeout_s
            )
            if waiting:
                raise RuntimeError(f"smbd did not listen on {server.port}:\n{server.log}")
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
    finally:
        shutil.rmtree(folder)

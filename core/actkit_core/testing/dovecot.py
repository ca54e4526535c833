"""A real Dovecot POP3 server for tests: unprivileged, on loopback ports, in a folder of its own.

Dovecot refuses to serve logins as root, so a test run as root starts it as ``nobody``, in a
folder under the system's temporary folder (a test's ``tmp_path`` is closed to other users).
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from actkit_core.testing.certificates import CertificateAuthority
from actkit_core.testing.stack import free_port, wait_until_listening

USERNAME = "kit"
PASSWORD = "pop-s3cret"
NOBODY = 65534


@dataclass(frozen=True)
class Dovecot:
    """A running Dovecot that lets :data:`USERNAME` in with :data:`PASSWORD`."""

    folder: Path
    pop3_port: int
    """Plain POP3, offering STLS."""
    pop3s_port: int
    """POP3 over TLS from the first byte."""
    ca: CertificateAuthority
    """The CA that signed the server's certificate (for ``localhost`` and ``127.0.0.1``)."""
    host: str = "127.0.0.1"
    username: str = USERNAME
    password: str = PASSWORD

    @property
    def log(self) -> str:
        """What Dovecot logged so far: each login, and each refused one."""
        return (self.folder / "dovecot.log").read_text(errors="replace")


def _config(server: Dovecot, uid: int, gid: int) -> str:
    user, group = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    certificate, key = server.ca.issue("localhost", "127.0.0.1").write(server.folder, "server")
    (server.folder / "users").write_text(f"{server.username}:{{PLAIN}}{server.password}\n")
    folder = server.folder
    return f"""
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = pop3
listen = {server.host}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
disable_plaintext_auth = no
auth_failure_delay = 0
ssl = yes
ssl_cert = <{certificate}
ssl_key = <{key}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {folder}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/home/%u
}}
service pop3-login {{
  chroot =
  inet_listener pop3 {{
    port = {server.pop3_port}
  }}
  inet_listener pop3s {{
    port = {server.pop3s_port}
  }}
}}
service pop3 {{
  chroot =
}}
service auth {{
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""


@contextlib.contextmanager
def dovecot(timeout_s: float = 10.0) -> Iterator[Dovecot]:
    """Dovecot serving POP3 (plain with STLS, and implicit TLS) until the block ends.

    Raises:
        RuntimeError: it exited or did not listen in time; its log is included.
    """
    is_root = os.geteuid() == 0
    uid, gid = (NOBODY, NOBODY) if is_root else (os.getuid(), os.getgid())
    folder = Path(tempfile.mkdtemp(prefix="actkit-dovecot-"))
    server = Dovecot(folder, free_port(), free_port(), CertificateAuthority())
    try:
        config = folder / "dovecot.conf"
        config.write_text(_config(server, uid, gid))
        (folder / "dovecot.log").touch()
        for path in [folder, *folder.iterdir()]:
            os.chown(path, uid, gid)
        process = subprocess.Popen(
            [shutil.which("dovecot") or "/usr/sbin/dovecot", "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            user=uid,
            group=gid,
            extra_groups=[] if is_root else None,
            start_new_session=True,
        )
        try:
            ports = [server.pop3_port, server.pop3s_port]
            waiting = wait_until_listening(
                server.host, ports, lambda: process.poll() is None, timeout_s
            )
            if waiting:
                raise RuntimeError(f"dovecot did not listen on {waiting}:\n{server.log}")
            yield server
        finally:
            # Killed, with its login processes: a dovecot still starting ignores SIGTERM, and
            # nothing it would write on the way out is read by a test.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    finally:
        shutil.rmtree(folder)

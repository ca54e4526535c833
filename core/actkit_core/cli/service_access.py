"""``actkit run --service-user``: the user must be able to run the services, or nothing starts.

A service that gives up root for a user who cannot read the installation (the interpreter, the
environment's packages, the services' code) or write the data folder fails as it starts, and is
started again and again. The supervisor looks first, in a child process that becomes the user,
so the kernel answers (every folder on the way, ACLs included), and refuses with a sentence.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from actkit_core.cli.launch import ServiceUser
from actkit_proto.services import SERVICES


def installation() -> list[Path]:
    """What every service reads: the interpreter, its library, the packages, each one's code.

    A forked service imports some of them late, after it gave up root.
    """
    folders = sysconfig.get_paths()
    paths = [Path(sys.executable), Path(folders["stdlib"]), Path(folders["purelib"])]
    for module in ("actkit_proto", "actkit_core", *(f"actkit_{info.name}" for info in SERVICES)):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin is not None:
            paths.append(Path(spec.origin))
    return paths


def _denied(read: Sequence[Path], data_dir: Path) -> list[str]:
    """As the user: what it cannot do, each as the end of a sentence."""
    found = []
    for path in read:
        wanted = os.R_OK | os.X_OK if path.is_dir() or path == Path(sys.executable) else os.R_OK
        if not os.access(path, wanted):
            found.append(f"read {path}")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        found.append(f"write the data folder {data_dir}")
    return found


def _as_user(user: ServiceUser, read: Sequence[Path], data_dir: Path) -> list[str]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child that became the user cannot write its coverage
        try:
            user.become()
            os.write(writer, "\n".join(_denied(read, data_dir)).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as answer:
        text = answer.read().decode()
    os.waitpid(pid, 0)
    return text.splitlines()


def check_service_user(
    user: ServiceUser, data_dir: Path, read: Sequence[Path] | None = None
) -> None:
    """Refuse to start when ``user`` cannot read ``read`` (the installation) or write ``data_dir``.

    Raises:
        SystemExit: says what the user cannot do, and how to let it.
    """
    if os.getuid() != 0:
        return  # the services keep this user: they run as it already
    name = pwd.getpwuid(user.uid).pw_name
    if not data_dir.is_dir():
        raise SystemExit(
            f"actkit run: the data folder {data_dir} does not exist; make it for {name} "
            f"(mkdir -p {data_dir} && chown {name} {data_dir})"
        )
    denied = _as_user(user, installation() if read is None else read, data_dir)
    if not denied:
        return
    hints = []
    if any(line.startswith("read ") for line in denied):
        hints.append("let other users read the installation (chmod -R o+rX, on its folders too)")
    if any(line.startswith("write ") for line in denied):
        hints.append(f"give {name} the data folder (chown -R {name} {data_dir})")
    raise SystemExit(
        f"actkit run: the services cannot run as {name}: it cannot {', '.join(denied)}; "
        f"{' and '.join(hints)}, or name another user with --service-user"
    )

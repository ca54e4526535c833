"""How ``actkit run`` starts a service process: forked from the supervisor, or exec'd afresh.

Every service imports the same heavy libraries (pydantic, SQLAlchemy, nats-py, cryptography…):
about a second of CPU and 60 to 80 MB each when every service loads them on its own. The ``fork``
launcher loads them once, in the supervisor (``actkit_core.preload``), and forks each service from
it: the services start in a fraction of the time and share those pages until they write to them.
Each service still runs in its own process, with its own environment, session and NATS user, so
isolation and restarts are the same as with ``exec``, which starts the service's console script
in a new interpreter (as a container does).

The supervisor forks while it runs its event loop. That is safe here because it has no other
thread then (it starts none; nats-py and uvloop's resolver work on the loop or in libuv's pool,
which libuv makes anew in a forked child), and the child drops the loop before it starts its own.
A multiprocessing forkserver would avoid the question, but it is one more process, holding its
own copy of every page the services write to: with one, the stack took 66 MB more (PSS).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import os
import pwd
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import setproctitle

from actkit_core import capabilities
from actkit_core.process import change_priority, stop_with_parent, until_exited

PRELOAD = "actkit_core.preload"
KEPT_CAPABILITIES = {
    "web": (capabilities.CAP_NET_BIND_SERVICE,),
    "network": (capabilities.CAP_NET_ADMIN, capabilities.CAP_NET_BIND_SERVICE),
}
"""What a service keeps of root's capabilities (when the container grants them): web listens on
80, 443 and 554; network runs nft and answers SNMP on 161. Every other service keeps none."""


@dataclass(frozen=True)
class ServiceUser:
    """Who a service runs as when the supervisor is root (the board's container).

    This user, with no supplementary groups, but for the services in ``as_root``. The system
    service keeps root: it drives the engine's socket and the host's clock and power. A service
    in :data:`KEPT_CAPABILITIES` keeps those capabilities alone.
    """

    uid: int
    gid: int
    as_root: frozenset[str] = frozenset({"system"})

    @classmethod
    def named(cls, name: str) -> ServiceUser:
        """The user ``name`` of this system.

        Raises:
            SystemExit: there is no such user.
        """
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise SystemExit(f"there is no user {name!r} to run the services as") from None
        return cls(entry.pw_uid, entry.pw_gid)

    def drops_for(self, name: str) -> bool:
        """Whether service ``name`` gives up root when it starts."""
        return os.getuid() == 0 and name not in self.as_root

    def drop(self, name: str) -> None:
        """In the service's process, before it runs: become the user (groups, then gid, uid)."""
        if not self.drops_for(name):
            return
        kept = KEPT_CAPABILITIES.get(name, ())
        if kept:
            capabilities.keep_over_uid_change()
        self.become()
        if kept:
            capabilities.limit_to(kept)

    def become(self) -> None:
        """Become the user, as root: no supplementary groups, then its gid, then its uid."""
        os.setgroups([])
        os.setgid(self.gid)
        os.setuid(self.uid)


class Launched(Protocol):
    """A running service process, however it was started."""

    @property
    def pid(self) -> int:
        """Its process id."""

    async def wait(self) -> int:
        """Its exit code, once it has exited (negative: killed by that signal)."""

    def send_signal(self, signum: int) -> None:
        """Send it ``signum`` (SIGTERM to stop, SIGKILL when it does not)."""


Relay = Callable[[bytes], None]
"""Receives each line the service writes to stdout or stderr."""


class Launcher(Protocol):
    """Starts service ``name`` with ``env`` added to the supervisor's environment."""

    def prepare(self) -> None:
        """Do what comes before the first service starts; called again, it does nothing.

        The fork launcher imports the preload here.
        """

    async def warm_up(self, url: str, password: str) -> None:
        """Before the first service starts, with the bus at ``url`` up (``cli``'s ``password``).

        The fork launcher runs what every service runs on the bus, once, before it forks them.
        """

    async def start(self, name: str, env: dict[str, str], relay: Relay) -> Launched:
        """Start it; each line it writes goes to ``relay``."""

    def close(self) -> None:
        """Release what :meth:`prepare` started, once every service has exited."""


async def _relay_lines(stream: asyncio.StreamReader, relay: Relay) -> None:
    async for line in stream:
        relay(line)


class ExecLauncher:
    """Each service is its console script (``actkit-<name>``) in a new interpreter."""

    def __init__(self, user: ServiceUser | None = None) -> None:
        self.user = user

    def prepare(self) -> None:
        """Nothing to prepare: each interpreter starts from scratch."""

    async def warm_up(self, url: str, password: str) -> None:
        """Nothing to warm up: no service shares this process's pages."""

    def close(self) -> None:
        """Nothing to release."""

    async def start(self, name: str, env: dict[str, str], relay: Relay) -> Launched:
        """Exec ``actkit-<name>`` in a session of its own."""
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / f"actkit-{name}"),
            env={**os.environ, **env},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # Ctrl-C reaches the supervisor only, which then stops the children in order.
            start_new_session=True,
            preexec_fn=lambda: _prepare_child(name),
            **self._credentials(name),
        )
        assert process.stdout is not None
        return _Exec(process, asyncio.create_task(_relay_lines(process.stdout, relay)))

    def _credentials(self, name: str) -> dict[str, Any]:
        if self.user is None or not self.user.drops_for(name):
            return {}
        return {"user": self.user.uid, "group": self.user.gid, "extra_groups": []}


class _Exec:
    def __init__(self, process: asyncio.subprocess.Process, relaying: asyncio.Task[None]) -> None:
        self._process = process
        self._relaying = relaying

    @property
    def pid(self) -> int:
        return self._process.pid

    async def wait(self) -> int:
        code = await self._process.wait()
        await self._relaying
        return code

    def send_signal(self, signum: int) -> None:
        if self._process.returncode is None:
            self._process.send_signal(signum)


def _prepare_child(name: str) -> None:  # pragma: no cover - runs in the child, before its exec
    stop_with_parent()
    change_priority(name, raising=True)


def exit_code(main: Callable[[], object]) -> int:
    """Run ``main`` as a program's whole life: the exit code it ends with, whatever happens."""
    try:
        main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)  # as the interpreter does: the sentence is the error
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


Descriptors = dict[int, tuple[int, int]]
"""Open file descriptors, each with the device and inode of what it is open on."""


def open_descriptors() -> Descriptors:
    """This process's open file descriptors beyond stdio."""
    found: Descriptors = {}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            status = os.fstat(fd)
        except OSError:  # the one listdir read the folder through, closed since
            continue
        if fd > 2:
            found[fd] = (status.st_dev, status.st_ino)
    return found


def close_inherited(inherited: Descriptors) -> None:
    """Close what is still open on the same file as when ``inherited`` was taken.

    A descriptor number alone is not enough in a forked child: libuv closes its signal pipe in
    the child and opens a new one, which gets the same numbers.
    """
    for fd, identity in inherited.items():
        try:
            status = os.fstat(fd)
        except OSError:
            continue
        if (status.st_dev, status.st_ino) == identity:
            os.close(fd)


def become_service(
    name: str,
    env: dict[str, str],
    output_fd: int,
    inherited: Descriptors,
    user: ServiceUser | None = None,
) -> None:
    """In the forked child: become service ``name`` as its console script would.

    The child is a copy of the supervisor in the middle of its event loop: it leaves that loop
    behind (not running, its signal handlers dropped) and closes ``inherited``, every descriptor
    the supervisor had open when it forked (its loop's, the pipes from the other services).
    Only those: libuv opens its signal pipe anew in a forked child, and a service needs it to
    start a program.
    """
    asyncio.events._set_running_loop(None)
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    os.setsid()
    change_priority(name, raising=True)  # while it may still, as root
    if user is not None:  # first: a new uid clears the parent-death signal
        user.drop(name)
    stop_with_parent()
    setproctitle.setproctitle(f"actkit-{name}")
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    # Python's own, line by line: the supervisor's may be anything (a test's capture).
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - open until exit
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115 - open until exit
    close_inherited(inherited)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the process's stdin, open until it exits
    os.environ.update(env)
    sys.argv = [f"actkit-{name}"]
    console_script(name).load()()


@cache
def _console_scripts() -> metadata.EntryPoints:
    return metadata.entry_points(group="console_scripts")


def console_script(service: str) -> metadata.EntryPoint:
    """Service ``service``'s console script ``actkit-<service>``.

    Every installed package's entry points are read once per process (a few ms each time),
    in the supervisor before it forks: the preload and the services find them read.

    Raises:
        ValueError: no such script is installed.
    """
    (entry,) = _console_scripts().select(name=f"actkit-{service}")
    return entry


@contextlib.contextmanager
def left_out(modules: Iterable[str]) -> Iterator[None]:
    """While in it, importing any of ``modules`` not imported yet fails as if it were not installed.

    Only meanwhile: after it, whoever imports one of them gets it.
    """
    absent = [name for name in modules if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # type: ignore[assignment] # import's own "not here" mark
    try:
        yield
    finally:
        for name in absent:
            sys.modules.pop(name, None)


class ForkLauncher:
    """Each service is forked from the supervisor, once it has imported what they all use."""

    def __init__(self, user: ServiceUser | None = None) -> None:
        self.user = user

    def prepare(self) -> None:
        """Import the preload (``actkit_core.preload``): a couple of seconds, once.

        Called again, it does nothing: the modules are imported. The collector is off meanwhile:
        imports make next to no garbage, but its full passes over the growing heap took a sixth
        of their CPU time (four passes, 0.3 s of 2 s); what they leave is frozen at the end.
        """
        gc.disable()
        try:
            importlib.import_module(PRELOAD)
        finally:
            gc.enable()

    async def warm_up(self, url: str, password: str) -> None:
        """Run the services' bus path here, before they are forked (the preload's warm_up_bus)."""
        self.prepare()
        await importlib.import_module(PRELOAD).warm_up_bus(url, password)

    def close(self) -> None:
        """Nothing to release: the services are the supervisor's own children."""

    async def start(self, name: str, env: dict[str, str], relay: Relay) -> Launched:
        """Fork it; its stdout and stderr come back through a pipe."""
        self.prepare()
        # A first start: Alembic, which each service with tables imports then, loaded once here.
        importlib.import_module(PRELOAD).warm_up_migrations(name, env)
        read_fd, write_fd = os.pipe()
        inherited = open_descriptors()
        sys.stdout.flush()  # or the child would write the supervisor's pending output again
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no branch - coverage restarts in the child, after this line
            # The child never goes back to the supervisor's loop, even when the service fails.
            os._exit(exit_code(lambda: become_service(name, env, write_fd, inherited, self.user)))
        os.close(write_fd)
        stream = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(read_fd, "rb")
        )
        return _Forked(pid, asyncio.create_task(_relay_lines(stream, relay)))


class _Forked:
    def __init__(self, pid: int, relaying: asyncio.Task[None]) -> None:
        self.pid = pid
        self._relaying = relaying
        self._exit: asyncio.Task[int] | None = None
        self._code: int | None = None

    async def wait(self) -> int:
        # Several may wait (the watcher and stop()); one of them giving up must not stop the rest.
        if self._exit is None:
            self._exit = asyncio.create_task(self._wait_exit())
        return await asyncio.shield(self._exit)

    async def _wait_exit(self) -> int:
        await until_exited(self.pid)
        _, status = os.waitpid(self.pid, 0)
        self._code = os.waitstatus_to_exitcode(status)
        await self._relaying
        return self._code

    def send_signal(self, signum: int) -> None:
        if self._code is None:
            os.kill(self.pid, signum)


LAUNCHERS: dict[str, Callable[[ServiceUser | None], Launcher]] = {
    "fork": ForkLauncher,
    "exec": ExecLauncher,
}
"""By the name ``actkit run --launch`` takes."""

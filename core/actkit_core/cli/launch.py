"""How ``actkit run`` starts a service process: forked from a preloaded parent, or exec'd afresh.

Every service imports the same heavy libraries (pydantic, SQLAlchemy, nats-py, cryptography…):
about a second of CPU and 60 to 80 MB each when every service loads them on its own. The ``fork``
launcher loads them once, in a multiprocessing *forkserver* (``actkit_core.preload``), and forks
each service from it: the services start in a fraction of the time and share those pages until
they write to them. Each service still runs in its own process, with its own environment, session
and NATS user, so isolation and restarts are the same as with ``exec``, which starts the service's
console script in a new interpreter (as a container does).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
from collections.abc import Callable
from importlib import metadata
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol

import setproctitle

from actkit_core.process import stop_with_parent

PRELOAD = "actkit_core.preload"


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
        """Begin whatever start-up work can overlap the supervisor's (returns at once).

        Called again when already prepared, it does nothing.
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

    def prepare(self) -> None:
        """Nothing to prepare: each interpreter starts from scratch."""

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
            preexec_fn=stop_with_parent,
        )
        assert process.stdout is not None
        return _Exec(process, asyncio.create_task(_relay_lines(process.stdout, relay)))


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


def serve_forked(name: str, env: dict[str, str], output: Connection) -> None:
    """In the forked child: become service ``name`` as its console script would."""
    os.setsid()
    stop_with_parent()  # the forkserver, which goes when the supervisor goes
    setproctitle.setproctitle(f"actkit-{name}")
    os.dup2(output.fileno(), sys.stdout.fileno())
    os.dup2(output.fileno(), sys.stderr.fileno())
    # Start with stdio only, as an exec'd program does. What multiprocessing hands down would
    # keep the forkserver (and so every service) alive after a killed supervisor.
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the process's stdin, open until it exits
    os.environ.update(env)
    sys.argv = [f"actkit-{name}"]
    (entry,) = metadata.entry_points(group="console_scripts", name=f"actkit-{name}")
    entry.load()()


class ForkLauncher:
    """Each service is forked from one forkserver that has imported what they all use."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([PRELOAD])

    def prepare(self) -> None:
        """Start the forkserver, which imports the preload while the supervisor starts."""
        forkserver.ensure_running()

    def close(self) -> None:
        """Stop the forkserver and wait for it, so that nothing outlives ``actkit run``."""
        # multiprocessing has no public call for this; without it the forkserver would exit on
        # its own a moment after the supervisor, when the pipe that keeps it alive closes.
        forkserver._forkserver._stop()  # type: ignore[attr-defined]

    async def start(self, name: str, env: dict[str, str], relay: Relay) -> Launched:
        """Fork it from the forkserver; its stdout and stderr come back through a pipe."""
        reader, writer = self._context.Pipe(duplex=False)
        # Daemonic: should the supervisor fail, multiprocessing stops the services on its way out.
        process = self._context.Process(
            target=serve_forked, args=(name, env, writer), name=f"actkit-{name}", daemon=True
        )
        # The first start waits for the forkserver to import the preload: not on the loop.
        await asyncio.to_thread(process.start)
        writer.close()
        pipe = os.fdopen(os.dup(reader.fileno()), "rb")
        reader.close()
        stream = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(stream), pipe
        )
        return _Forked(process, asyncio.create_task(_relay_lines(stream, relay)))


class _Forked:
    def __init__(
        self, process: multiprocessing.process.BaseProcess, relaying: asyncio.Task[None]
    ) -> None:
        self._process = process
        self._relaying = relaying
        self._exit: asyncio.Task[int] | None = None

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    async def wait(self) -> int:
        # Several may wait (the watcher and stop()); one of them giving up must not stop the rest.
        if self._exit is None:
            self._exit = asyncio.create_task(self._wait_exit())
        return await asyncio.shield(self._exit)

    async def _wait_exit(self) -> int:
        loop = asyncio.get_running_loop()
        exited: asyncio.Future[None] = loop.create_future()
        sentinel = self._process.sentinel

        def on_exit() -> None:
            if not exited.done():  # pragma: no branch - a second call before remove_reader
                exited.set_result(None)

        loop.add_reader(sentinel, on_exit)
        try:
            await exited
        finally:
            loop.remove_reader(sentinel)
        self._process.join()
        await self._relaying
        code = self._process.exitcode
        assert code is not None
        return code

    def send_signal(self, signum: int) -> None:
        if self._process.exitcode is None:
            os.kill(self.pid, signum)


LAUNCHERS: dict[str, Callable[[], Launcher]] = {"fork": ForkLauncher, "exec": ExecLauncher}
"""By the name ``actkit run --launch`` takes."""

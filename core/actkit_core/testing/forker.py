"""``actkit run`` forked from a process that has imported what it preloads, for the stack tests.

A stack started from its console script first imports the preload: 1.8 s of CPU each time, most
of a cross-service test's start. :class:`StackForker` starts one process that imports it once
(``python -m actkit_core.testing.forker``) and forks each ``actkit run`` from itself. From there
on the run is the one ``make run`` starts (the same ``main``, supervisor, nats-server and forked
services), with its own environment, working folder and output. What it leaves out, the import
of the preload and of the console script, is what ``make run``, core's tests of
``running_stack`` and the cross-service test of the exec launch start through.

It speaks over a Unix socket pair, a request per message (JSON), answered by one:
``{"start": [args], "env": {...}, "cwd": "..."}`` with the output's pipe as the message's file
descriptor, answered by ``{"pid": N}``; ``{"wait": N, "timeout": S}``, answered by
``{"returncode": code}`` once run N has exited (reaped; negative: killed by that signal) or
``{"returncode": null}`` when it still runs after S seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from typing import IO, Any, Protocol

import setproctitle

MESSAGE_BYTES = 1 << 20
"""The largest request or answer: an environment and a few arguments."""
WAIT_POLL_S = 0.01
"""How often the forker looks whether a run it waits for has exited."""


class StackProcess(Protocol):
    """What the stack tests use of their ``actkit run``: a ``Popen`` or a :class:`ForkedRun`."""

    @property
    def pid(self) -> int:
        """The supervisor's process id."""

    @property
    def stdout(self) -> IO[str] | None:
        """Its output and errors, and its services' (each line named by its service)."""

    @property
    def returncode(self) -> int | None:
        """Its exit code once it was seen exited, else None."""

    def poll(self) -> int | None:
        """Its exit code if it has exited, else None."""

    def wait(self, timeout: float | None = None) -> int:
        """Its exit code once it has exited; ``subprocess.TimeoutExpired`` after ``timeout``."""

    def send_signal(self, sig: int) -> None:
        """Send it ``sig`` unless it has exited."""

    def kill(self) -> None:
        """SIGKILL."""


class ForkedRun:
    """An ``actkit run`` the forker started: the part of ``subprocess.Popen`` the tests use."""

    def __init__(self, forker: StackForker, pid: int, stdout: IO[str]) -> None:
        self._forker = forker
        self.pid = pid
        self.stdout: IO[str] | None = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """Its exit code once it has exited, else None."""
        return self._wait(0)

    def wait(self, timeout: float | None = None) -> int:
        """Its exit code once it has exited (negative: killed by that signal).

        Raises:
            subprocess.TimeoutExpired: it still runs after ``timeout`` seconds.
        """
        code = self._wait(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"actkit run (pid {self.pid})", timeout or 0)
        return code

    def send_signal(self, sig: int) -> None:
        """Send ``sig`` to it, unless it has exited (as ``Popen`` does)."""
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)

    def _wait(self, timeout: float | None) -> int | None:
        if self.returncode is None:
            self.returncode = self._forker.wait(self.pid, timeout)
        return self.returncode


class StackForker:
    """The forking process, started at the first :meth:`start`; :meth:`close` ends it."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None

    def start(self, args: list[str], env: dict[str, str]) -> ForkedRun:
        """``actkit <args>`` forked with ``env``, in this working folder, its output piped."""
        read_end, write_end = os.pipe()
        try:
            request = {"start": args, "env": env, "cwd": os.getcwd()}
            pid = self._ask(request, fds=[write_end])["pid"]
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        return ForkedRun(self, int(pid), os.fdopen(read_end, "r"))

    def wait(self, pid: int, timeout: float | None) -> int | None:
        """Run ``pid``'s exit code once it has exited, or None if it runs after ``timeout``."""
        code = self._ask({"wait": pid, "timeout": timeout})["returncode"]
        return None if code is None else int(code)

    def close(self) -> None:
        """End the forking process (the runs it started go on until they are stopped)."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        if self._process is not None:
            self._process.wait(timeout=30)
            self._process = None

    def _ask(self, request: dict[str, Any], fds: list[int] | None = None) -> dict[str, Any]:
        connection = self._connection()
        try:
            socket.send_fds(connection, [json.dumps(request).encode()], fds or [])
            answer = connection.recv(MESSAGE_BYTES)
        except OSError:
            answer = b""
        if not answer:
            raise RuntimeError("the stack forker has exited: its errors are in the test's output")
        return dict(json.loads(answer))

    def _connection(self) -> socket.socket:
        if self._socket is None:
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            with theirs:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "actkit_core.testing.forker", str(theirs.fileno())],
                    # Without a test's settings: each run brings its own, the preload none.
                    env={k: v for k, v in os.environ.items() if not k.startswith("ACTKIT_")},
                    pass_fds=[theirs.fileno()],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                )
            self._socket = ours
        return self._socket


def serve(connection: socket.socket) -> None:
    """Answer requests on ``connection`` until the other end closes it."""
    import actkit_core.preload  # noqa: F401  (preloads as it is imported)
    from actkit_core.cli import main

    # Set before a run changes the environment: the title's room is found from the original one.
    setproctitle.setproctitle("actkit stack forker")

    while True:
        message, fds, _, _ = socket.recv_fds(connection, MESSAGE_BYTES, 1)
        if not message:
            return
        request = json.loads(message)
        if "start" in request:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - measured in the child, which ends in os._exit
                connection.close()
                os._exit(_run(main, request, fds[0]))
            os.close(fds[0])
            answer: dict[str, Any] = {"pid": pid}
        else:
            answer = {"returncode": _reaped(request["wait"], request["timeout"])}
        connection.send(json.dumps(answer).encode())


def _run(main: Any, request: dict[str, Any], output: int) -> int:  # pragma: no cover - a child
    """``main(args)`` as ``actkit`` runs it, its output and errors to ``output``."""
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    with open(os.devnull) as nothing:
        os.dup2(nothing.fileno(), 0)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    if os.environ.get("PYTHONUNBUFFERED"):  # what it does for an interpreter starting
        sys.stdout.reconfigure(write_through=True)  # type: ignore[union-attr]
        sys.stderr.reconfigure(write_through=True)  # type: ignore[union-attr]
    sys.argv = ["actkit", *request["start"]]
    setproctitle.setproctitle(" ".join(sys.argv))
    try:
        return int(main(request["start"]))
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        sys.stderr.write(f"{exc.code}\n")  # as the interpreter does with a sentence to exit on
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()


def _reaped(pid: int, timeout: float | None) -> int | None:
    """``pid``'s exit code once it has exited (reaped), or None while it runs past ``timeout``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if deadline is not None and time.monotonic() >= deadline:
            return None
        time.sleep(WAIT_POLL_S)


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])))

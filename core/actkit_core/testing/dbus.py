"""A private dbus-daemon for tests, standing in for the system bus, and D-Bus mocks on it.

``dbus_daemon`` starts a bus of its own for one test (no root, no system bus touched); clients
reach it by its address (``DBUS_SYSTEM_BUS_ADDRESS`` for libraries that read it). ``DbusMock``
runs a python-dbusmock template on that bus as a separate process that a test can stop and
start again, as a daemon restarts.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT_S = 10.0


def _wait(condition: Callable[[], bool], what: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not condition():
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} was not ready within {START_TIMEOUT_S:g} s")
        time.sleep(0.01)


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class DbusDaemon:
    """A dbus-daemon with the session policy, listening on a socket in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.socket = folder / "bus.sock"
        self.address = f"unix:path={self.socket}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        """Start the daemon and return its address once it accepts connections."""
        self._process = subprocess.Popen(
            [
                "dbus-daemon",
                "--session",
                "--nofork",
                "--nopidfile",
                "--nosyslog",
                f"--address={self.address}",
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait(self._accepts, "dbus-daemon", self._process)
        return self.address

    def _accepts(self) -> bool:
        # Not the socket file's existence: it is there from bind(), before the daemon listens.
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(str(self.socket))
            except OSError:
                return False
            return True

    def stop(self) -> None:
        """Stop the daemon (by the process it started)."""
        _stop(self._process)


class DbusMock:
    """A python-dbusmock template served on a bus as the system bus, in its own process."""

    def __init__(
        self, address: str, template: str | Path, bus_name: str, log_file: Path | None = None
    ) -> None:
        self.address = address
        self.template = str(template)
        self.bus_name = bus_name
        self.log_file = log_file
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the mock and return once it owns its bus name."""
        env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.address}
        command = [sys.executable, "-m", "dbusmock", "--system", "--template", self.template]
        if self.log_file is not None:
            command += ["--logfile", str(self.log_file)]
        self._process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        _wait(self.is_serving, f"dbusmock {self.template}", self._process)

    def is_serving(self) -> bool:
        """Whether the mock's bus name has an owner."""
        return self.call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            f"string:{self.bus_name}",
        ).endswith("true")

    def call(self, destination: str, path: str, method: str, *args: str) -> str:
        """Call a method with ``dbus-send`` (arguments typed as ``string:x``); its printed reply.

        Raises:
            RuntimeError: the call failed; the message carries the D-Bus error.
        """
        result = subprocess.run(
            [
                "dbus-send",
                f"--bus={self.address}",
                "--print-reply",
                f"--dest={destination}",
                path,
                method,
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{method} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def stop(self) -> None:
        """Stop the mock, as a daemon that exits: its bus name loses its owner."""
        _stop(self._process)


async def call(
    address: str,
    destination: str,
    path: str,
    interface: str,
    member: str,
    signature: str = "",
    *body: Any,
) -> Any:
    """Call a method on the bus at ``address`` from the test's loop, as a service's adapter does.

    Returns the reply's value (None for none, a list for several); a D-Bus error raises
    RuntimeError naming the method. Needs dbus-fast, which the services that speak D-Bus have.
    """
    from dbus_fast import Message, MessageType
    from dbus_fast.aio import MessageBus

    client = await MessageBus(bus_address=address).connect()
    try:
        reply = await client.call(
            Message(
                destination=destination,
                path=path,
                interface=interface,
                member=member,
                signature=signature,
                body=list(body),
            )
        )
    finally:
        client.disconnect()
    assert reply is not None
    if reply.message_type is MessageType.ERROR:
        raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
    if len(reply.body) == 1:
        return reply.body[0]
    return reply.body or None


@pytest.fixture
def dbus_daemon(tmp_path: Path) -> Iterator[str]:
    """A private dbus-daemon for this test only; yields its address."""
    if shutil.which("dbus-daemon") is None:  # pragma: no cover - CI and dev machines have it
        pytest.skip("dbus-daemon is not installed (Debian package dbus)")
    daemon = DbusDaemon(tmp_path)
    try:
        yield daemon.start()
    finally:
        daemon.stop()

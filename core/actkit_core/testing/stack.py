"""The whole stack as ``actkit run`` starts it, on free ports, for cross-service tests and bench."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from actkit_core.testing.forker import StackForker, StackProcess
from actkit_proto.services import SERVICE_NAMES


@dataclass
class Stack:
    """A running ``actkit run``: its process, data folder, NATS URL and its log so far."""

    process: StackProcess
    data_dir: Path
    nats_url: str
    metrics_base: int
    log: list[str]
    started_in_s: float
    https_url: str = ""
    """The dashboard over HTTPS, e.g. ``https://localhost:40123/``."""
    http_url: str = ""
    """The dashboard over plain HTTP."""
    rtsp_port: int = 0
    """The web's RTSP event stream (554 on a device)."""

    def metrics_port(self, service: str) -> int:
        """The metrics port of ``service`` in this stack."""
        return self.metrics_base + SERVICE_NAMES.index(service)

    def processes(self) -> dict[str, psutil.Process]:
        """Every process of the stack but ``actkit run`` itself: services by name, nats-server."""
        named: dict[str, psutil.Process] = {}
        for process in psutil.Process(self.process.pid).children(recursive=True):
            command = " ".join(process.cmdline())
            if "nats-server" in command:
                named["nats-server"] = process
            elif "actkit-" in command:
                named[command.rsplit("actkit-", 1)[-1].strip()] = process
        return named

    def credentials(self, user: str = "cli") -> dict[str, str]:
        """``user=`` and ``password=`` for ``Bus.connect`` as one of the stack's NATS users."""
        passwords = json.loads((self.data_dir / "nats-credentials.json").read_text())
        return {"user": user, "password": passwords[user]}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now, below the kernel's ports for outgoing connections.

    Not the kernel's pick (a bind to port 0): that comes from the same ports it gives outgoing
    connections, so a NATS or MQTT client could take it before the test's server binds it.
    """
    return free_port_range(1)


def free_udp_port() -> int:
    """A port on 127.0.0.1 free now for UDP and TCP alike (SSDP, WS-Discovery, SNMP traps, SIP).

    Below the kernel's ports for outgoing connections, as :func:`free_port`: a SIP peer listens on
    both protocols at its port, and a port of the kernel's pick could be an outgoing connection's.
    """
    return free_port_range(1, kinds=(socket.SOCK_DGRAM, socket.SOCK_STREAM))


EPHEMERAL_PORTS = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST_TEST_PORT = 10000
"""Test servers listen from here up, clear of the well-known and registered ports below."""


def first_ephemeral_port() -> int:
    """The lowest port the kernel gives outgoing connections (32768 unless configured)."""
    try:
        return int(EPHEMERAL_PORTS.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port_range(count: int, kinds: Sequence[int] = (socket.SOCK_STREAM,)) -> int:
    """The first of ``count`` consecutive ports free for each socket type of ``kinds``.

    Consecutive, so that stacks can run side by side.

    Taken below the ports the kernel gives outgoing connections: a port free when looked at could
    otherwise be the local end of a service's own NATS connection a moment later, and its
    metrics server would then fail to start.

    Raises:
        RuntimeError: no such range was found.
    """
    highest_base = first_ephemeral_port() - count
    if highest_base <= LOWEST_TEST_PORT:
        raise RuntimeError(
            f"no free port range: the kernel gives outgoing connections every port from "
            f"{first_ephemeral_port()} ({EPHEMERAL_PORTS}); leave {count} above "
            f"{LOWEST_TEST_PORT} for the tests"
        )
    for _ in range(100):
        base = random.randrange(LOWEST_TEST_PORT, highest_base)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                for kind in kinds:
                    sock = socket.socket(socket.AF_INET, kind)
                    sockets.append(sock)
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return base
    raise RuntimeError("no free port range")


def free_ports_outside(taken: Container[int], count: int) -> list[int]:
    """``count`` distinct ports free now (as :func:`free_port`), none of them in ``taken``.

    For servers whose ports are chosen together but bound one after another: a port chosen
    free could otherwise be one of the ports chosen for a server that binds later.
    """
    ports: list[int] = []
    while len(ports) < count:
        candidate = free_port()
        if candidate not in taken and candidate not in ports:
            ports.append(candidate)
    return ports


def wait_until_listening(
    host: str, ports: Sequence[int], is_running: Callable[[], bool], timeout_s: float
) -> list[int]:
    """Wait until a test server accepts connections on every one of ``ports``, in turn.

    Returns:
        The ports not listening yet: none once all are; some when the server stopped running
        or ``timeout_s`` ran out (a wait of zero fails at its first look). The caller says which.
    """
    deadline = time.monotonic() + timeout_s
    waiting = list(ports)
    while waiting:
        if not is_running() or time.monotonic() >= deadline:
            return waiting
        try:
            socket.create_connection((host, waiting[0]), timeout=0.2).close()
            waiting.pop(0)
        except OSError:
            time.sleep(0.02)
    return waiting


@contextmanager
def running_stack(
    data_dir: Path,
    timeout_s: float = 60,
    launch: str = "fork",
    forker: StackForker | None = None,
) -> Iterator[Stack]:
    """Start ``actkit run --launch <launch>`` in ``data_dir`` on free ports; SIGINT on exit.

    With a ``forker``, the run is forked from it (:mod:`actkit_core.testing.forker`), not
    started from the console script: the same run, 1.8 s of imports fewer.

    Raises:
        AssertionError: the stack did not come up; its log is the message.
    """
    metrics_base = free_port_range(len(SERVICE_NAMES))
    metrics_ports = range(metrics_base, metrics_base + len(SERVICE_NAMES))
    # None of the metrics ports: nats-server and the web bind theirs before the metrics start.
    port, https_port, http_port, rtsp_port = free_ports_outside(metrics_ports, 4)
    args = ["--data-dir", str(data_dir), "run", "--nats-port", str(port)]
    args += ["--metrics-base", str(metrics_base), "--launch", launch]
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "ACTKIT_WEB_HTTPS_PORT": str(https_port),
        "ACTKIT_WEB_HTTP_PORT": str(http_port),
        "ACTKIT_WEB_RTSP_PORT": str(rtsp_port),
    }
    started = time.monotonic()
    process: StackProcess
    if forker is not None:
        process = forker.start(args, env)
    else:
        actkit = Path(sys.executable).parent / "actkit"
        process = subprocess.Popen(
            [str(actkit), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
    assert process.stdout is not None
    log: list[str] = []
    deadline = time.monotonic() + timeout_s
    for line in process.stdout:
        log.append(line)
        if "actkit is up" in line or time.monotonic() > deadline:
            break
    try:
        assert any("actkit is up" in line for line in log), "".join(log)
        elapsed_s = time.monotonic() - started
        os.set_blocking(process.stdout.fileno(), False)
        yield Stack(
            process,
            data_dir,
            f"nats://127.0.0.1:{port}",
            metrics_base,
            log,
            elapsed_s,
            https_url=f"https://localhost:{https_port}/",
            http_url=f"http://localhost:{http_port}/",
            rtsp_port=rtsp_port,
        )
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        process.stdout.close()

"""Fixtures of the cross-service tests: the stack as `make run` starts it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from actkit_proto.services import SERVICE_NAMES


@dataclass
class Stack:
    """A running ``actkit run``: its process, data folder, NATS URL and its log so far."""

    process: subprocess.Popen[str]
    data_dir: Path
    nats_url: str
    metrics_base: int
    log: list[str]

    def metrics_port(self, service: str) -> int:
        return self.metrics_base + SERVICE_NAMES.index(service)

    def credentials(self, user: str = "cli") -> dict[str, str]:
        passwords = json.loads((self.data_dir / "nats-credentials.json").read_text())
        return {"user": user, "password": passwords[user]}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_port_range(count: int) -> int:
    """The first of ``count`` consecutive free ports, so that stacks can run side by side."""
    import random
    import socket

    for _ in range(100):
        base = random.randrange(20000, 60000 - count)
        try:
            sockets = []
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
        return base
    raise RuntimeError("no free port range")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """``actkit run`` in a fresh data folder on a free NATS port, stopped with SIGINT after."""
    port = _free_port()
    metrics_base = _free_port_range(len(SERVICE_NAMES))
    actkit = Path(sys.executable).parent / "actkit"
    process = subprocess.Popen(
        [
            str(actkit),
            "--data-dir",
            str(tmp_path / "var"),
            "run",
            "--nats-port",
            str(port),
            "--metrics-base",
            str(metrics_base),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    log: list[str] = []
    deadline = time.monotonic() + 60
    for line in process.stdout:
        log.append(line)
        if "actkit is up" in line or time.monotonic() > deadline:
            break
    try:
        assert any("actkit is up" in line for line in log), "".join(log)
        os.set_blocking(process.stdout.fileno(), False)
        yield Stack(process, tmp_path / "var", f"nats://127.0.0.1:{port}", metrics_base, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        process.stdout.close()

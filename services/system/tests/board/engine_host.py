"""The peers of the rollout tests: a private Docker Engine and an image registry on 127.0.0.1.

The engine is the project's private dockerd (``tools/dockerd.sh``: its own data and exec roots
and socket, so these tests never see the containers of the board stack or of another session).
The registry is Debian's ``docker-registry``, started by PID on a free port with its storage in
a temporary folder; the engine pulls from it over plain HTTP, as it does from any 127.0.0.0/8
registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[4]
DOCKERD = REPO / "tools" / "dockerd.sh"
DOCKER = "/usr/bin/docker"
"""Debian's client, whatever else is first on PATH."""
READY_TIMEOUT_S = 20.0
API = "http://docker/v1.41"


@dataclass(frozen=True)
class Engine:
    """A private dockerd: its socket, and the Engine API and CLI on it."""

    socket: str

    def cli(self, *args: str, stdin: bytes | None = None) -> str:
        done = subprocess.run(
            [DOCKER, "-H", f"unix://{self.socket}", *args],
            input=stdin,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.decode().strip()}")
        return done.stdout.decode().strip()

    def logs(self, name: str, lines: int = 20) -> str:
        """The end of what a container wrote (its output and errors)."""
        command = [DOCKER, "-H", f"unix://{self.socket}", "logs", "--tail", str(lines), name]
        done = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
        )
        return done.stdout.decode()

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        return response.json() if response.content else None

    def containers(self) -> dict[str, dict[str, Any]]:
        """Every container, running or not, by name."""
        return {c["Names"][0].lstrip("/"): c for c in self.api("GET", "/containers/json?all=1")}

    def inspect(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = self.api("GET", f"/containers/{name}/json")
        return body

    @contextlib.asynccontextmanager
    async def watching(self) -> AsyncIterator[list[dict[str, Any]]]:
        """The engine's events about containers and images from now on, as they come.

        Followed as a stream: for a later ask the engine keeps only its most recent events, and
        health checks every 0.2 s push a rollout's out of them (seen in a 60 s self-update).
        """
        seen: list[dict[str, Any]] = []
        query = {
            "since": f"{time.time():.3f}",
            "filters": json.dumps({"type": ["container", "image"]}),
        }
        transport = httpx.AsyncHTTPTransport(uds=self.socket)
        async with (
            httpx.AsyncClient(transport=transport, base_url=API, timeout=None) as client,
            client.stream("GET", "/events", params=query) as response,
        ):

            async def follow() -> None:
                async for line in response.aiter_lines():
                    seen.append(json.loads(line))

            task = asyncio.create_task(follow())
            try:
                yield seen
            finally:
                await asyncio.sleep(0.2)  # the last events on their way
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.HTTPTransport(uds=self.socket)
        with httpx.Client(transport=transport, base_url=API) as client:
            response = client.request(method, path, **kwargs)
        if not response.is_success:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text.strip()}")
        return response


@contextlib.contextmanager
def private_engine() -> Iterator[Engine]:
    """A private dockerd for this test session; purged (containers, images, mounts) at the end."""
    # A short folder: the engine's socket path must fit a Unix socket's 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="actkit-rollout-"))
    try:
        subprocess.run([str(DOCKERD), "start", str(folder)], check=True, capture_output=True)
        yield Engine(str(folder / "docker.sock"))
    finally:
        subprocess.run([str(DOCKERD), "purge", str(folder)], check=True, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Registry:
    address: str
    """``127.0.0.1:<port>``: what image references start with."""


_CONFIG = """\
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: {address}
"""


@contextlib.contextmanager
def registry(folder: Path) -> Iterator[Registry]:
    """Debian's docker-registry on a free port of 127.0.0.1, its storage in ``folder``."""
    address = f"127.0.0.1:{_free_port()}"
    config = folder / "registry.yml"
    config.write_text(_CONFIG.format(storage=folder / "storage", address=address))
    log = (folder / "registry.log").open("wb")
    process = subprocess.Popen(
        ["docker-registry", "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_answering(f"http://{address}/v2/", process)
        yield Registry(address)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"docker-registry did not answer on {url} in {READY_TIMEOUT_S:g} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port

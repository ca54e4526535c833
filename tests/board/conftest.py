"""The board's compose stack on a real Docker Engine: up once for the session, removed after.

``make test-board`` starts the project's private dockerd, builds the images into it and names it
in ``ACTKIT_BOARD_HOST``. The stack is ``tools/board.sh up`` (the board's compose file with the
simulator's adapters) with its state in a temporary folder and its ports free ones (the container
``actkit`` is on the host's network: the test's machine, where dockerd runs);
after the session ``tools/board.sh purge`` removes its containers, network and volumes, and a
container left behind fails the session. ``ACTKIT_BOARD_LAYOUT`` names the layout: ``forked``
(the default: the container ``actkit`` runs every service) or ``split`` (one container each).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.stack import free_port, free_port_range
from actkit_proto.services import SERVICE_NAMES

REPO = Path(__file__).resolve().parents[2]
BOARD = REPO / "tools" / "board.sh"
DOCKER = "/usr/bin/docker"
"""Debian's client (API 1.41), whatever else is first on PATH."""
PROJECT_LABEL = "label=com.docker.compose.project=actkit"
UP_TIMEOUT_S = 180
"""A loaded CI machine of two cores may take a while to start nine containers."""
_UP_FAILED: list[str] = []
"""Why the stack did not come up, once it did not: the session's other tests fail at once."""


@dataclass(frozen=True)
class Board:
    """The running stack: its engine, its state folder and its published ports."""

    host: str
    cache: Path
    nats_port: int
    http_port: int
    layout: str = "forked"
    metrics_base: int = 9301
    """The forked layout's services' metrics ports, consecutive from this one."""

    @property
    def is_split(self) -> bool:
        return self.layout == "split"

    @property
    def container_names(self) -> list[str]:
        """The containers the layout runs."""
        services = [f"actkit-{name}" for name in SERVICE_NAMES] if self.is_split else ["actkit"]
        return ["actkit-nats", *services]

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    def docker(self, *args: str) -> str:
        done = subprocess.run(
            [DOCKER, "-H", self.host, *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def inspect(self, container: str, template: str) -> str:
        return self.docker("inspect", "--format", template, container)

    def password(self, user: str) -> str:
        known: dict[str, str] = json.loads((self.cache / "var/nats-credentials.json").read_text())
        return known[user]

    def cli_password(self) -> str:
        return self.password("cli")

    def containers(self) -> list[str]:
        return self.docker("ps", "-aq", "--filter", PROJECT_LABEL).split()


def _board_sh(command: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(BOARD), command], env={**os.environ, **env}, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"tools/board.sh {command} failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    host = os.environ.get("ACTKIT_BOARD_HOST")
    if not host:
        pytest.fail("the board tests need a Docker Engine: run them with make test-board")
    layout = os.environ.get("ACTKIT_BOARD_LAYOUT", "forked")
    metrics_base = free_port_range(len(SERVICE_NAMES))
    board = Board(
        host, tmp_path_factory.mktemp("board"), free_port(), free_port(), layout, metrics_base
    )
    env = {
        "ACTKIT_BOARD_LAYOUT": layout,
        "DOCKER_HOST": host,
        "ACTKIT_BOARD_CACHE": str(board.cache),
        "ACTKIT_NATS_PORT": str(board.nats_port),
        "ACTKIT_HTTP_PORT": str(board.http_port),
        "ACTKIT_HTTPS_PORT": str(free_port()),
        "ACTKIT_RTSP_PORT": str(free_port()),
        "ACTKIT_METRICS_BASE": str(metrics_base),
        "ACTKIT_BOARD_UP_TIMEOUT_S": str(UP_TIMEOUT_S),
    }
    if board.containers():
        pytest.fail("the engine already runs an actkit stack (make board-down stops it)")
    if _UP_FAILED:
        pytest.fail(f"the board did not come up: {_UP_FAILED[0]}")
    try:
        _board_sh("up", env)
    except RuntimeError as exc:
        _UP_FAILED.append(str(exc))
        raise
    finally:
        if _UP_FAILED:
            _board_sh("purge", env)
    try:
        yield board
    finally:
        _board_sh("purge", env)
        assert board.containers() == [], "containers left behind"


@pytest.fixture
async def board_bus(board: Board) -> AsyncIterator[Bus]:
    """A bus client of the stack as the ``cli`` user, through the published NATS port."""
    async with Bus.connect(
        "board-test", servers=[board.nats_url], user="cli", password=board.cli_password()
    ) as bus:
        yield bus

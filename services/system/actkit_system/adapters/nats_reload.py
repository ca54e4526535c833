"""Telling nats-server to read its configuration again, or restarting it, as the device runs it.

``actkit run``: nats-server is a process on the same host, found by its ports file, and sent
SIGHUP (a restart: SIGTERM, its supervisor starts it again). The board (compose): nats-server is
a container of its own, sent SIGHUP or restarted through the engine API the system service
already drives; sharing its process namespace instead (``pid: service:nats``) would let the
system container read nats-server's environment, which holds every service's password.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from actkit_core.natsconf import reload_server, running_server_pid
from actkit_system.ports import AppEngine, EngineError, ReloadFailed


class ProcessReload:
    """A nats-server on this host, found by the ports file it writes in ``ports_dir``."""

    def __init__(self, ports_dir: Path) -> None:
        self.ports_dir = ports_dir

    async def reload(self) -> None:
        if not await asyncio.to_thread(reload_server, self.ports_dir):
            raise ReloadFailed(self._none_runs())

    async def check_restart(self) -> None:
        if await asyncio.to_thread(running_server_pid, self.ports_dir) is None:
            raise ReloadFailed(self._none_runs())

    async def restart(self) -> None:
        if not await asyncio.to_thread(reload_server, self.ports_dir, restart=True):
            raise ReloadFailed(self._none_runs())

    def _none_runs(self) -> str:
        return f"no nats-server runs with its ports file in {self.ports_dir}"


class ContainerReload:
    """A nats-server in a container of the engine, signalled through the engine's API."""

    def __init__(self, engine: AppEngine, container: str) -> None:
        self.engine = engine
        self.container = container

    async def reload(self) -> None:
        try:
            await self.engine.signal(self.container, "HUP")
        except EngineError as exc:
            raise ReloadFailed(f"the engine did not signal {self.container}: {exc}") from None

    async def check_restart(self) -> None:
        try:
            found = await self.engine.inspect(self.container)
        except EngineError as exc:
            raise ReloadFailed(f"the engine cannot restart {self.container}: {exc}") from None
        if found is None:
            raise ReloadFailed(f"the engine has no container {self.container} to restart")

    async def restart(self) -> None:
        try:
            await self.engine.restart(self.container)
        except EngineError as exc:
            raise ReloadFailed(f"the engine did not restart {self.container}: {exc}") from None


class NoReload:
    """A nats-server that does not include the apps' users (tests with a bare server)."""

    async def reload(self) -> None:
        """Nothing to tell."""

    async def check_restart(self) -> None:
        """Nothing to restart."""

    async def restart(self) -> None:
        """Nothing to restart."""

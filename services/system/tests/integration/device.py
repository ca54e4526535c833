"""A device for self-update tests: what the stand-in engine's system containers run, in the test.

Starting the ``actkit-system`` container serves the system service (on the same data folder,
as the container's volume would); stopping or removing it stops that service, and the engine's
stop returns once it has stopped. Starting ``actkit-system-updater`` runs the updater with the
image its command names; its exit status is the container's.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from actkit_system.handlers.rollout.containers import SYSTEM, UPDATER
from actkit_system.handlers.rollout.updater import update
from actkit_system.main import serve
from actkit_system.settings import SystemSettings

from .engine_standin import EngineState

STOP_TIMEOUT_S = 30.0


class Device:
    """Runs the system containers of a stand-in engine as tasks on the test's event loop."""

    def __init__(self, settings: SystemSettings, state: EngineState) -> None:
        self.settings = settings
        self.state = state
        self.loop = asyncio.get_running_loop()
        self.systems: dict[str, asyncio.Task[None]] = {}
        """The system services serving, by container id."""
        self.started: list[str] = []
        """The image of each system service started, in order."""
        self.most_serving = 0
        """The most system services that ever served at once."""
        self.updaters: list[asyncio.Task[int]] = []
        state.on_start = self._on_start
        state.on_stop = self._on_stop

    def start_system(self, container: dict[str, Any]) -> None:
        """Serve the system service of ``container`` (on the event loop)."""
        self.started.append(container["Config"]["Image"])
        self.systems[container["Id"]] = asyncio.create_task(serve(self.settings))
        self.most_serving = max(self.most_serving, len(self.systems))

    async def stop_system(self, container_id: str) -> None:
        task = self.systems.pop(container_id, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        for container_id in list(self.systems):
            await self.stop_system(container_id)
        for updater in self.updaters:
            updater.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await updater

    async def _run_updater(self, command: list[str]) -> int:
        code = await update(self.settings, command[command.index("--image") + 1])
        self.state.exited(UPDATER, code)
        return code

    def _on_start(self, name: str, container: dict[str, Any]) -> None:
        """In the engine's thread: start what the container runs, without waiting for it."""
        if name == SYSTEM:
            self.loop.call_soon_threadsafe(self.start_system, container)
        elif name == UPDATER:
            command = container["Config"]["Cmd"]
            self.loop.call_soon_threadsafe(
                lambda: self.updaters.append(asyncio.create_task(self._run_updater(command)))
            )

    def _on_stop(self, name: str, container: dict[str, Any]) -> None:
        """In the engine's thread: stop what the container runs, and wait until it has."""
        if name.startswith(SYSTEM) and name != UPDATER:
            stopping = asyncio.run_coroutine_threadsafe(
                self.stop_system(container["Id"]), self.loop
            )
            stopping.result(timeout=STOP_TIMEOUT_S)

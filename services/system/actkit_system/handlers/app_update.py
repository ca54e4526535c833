"""Updating an app: its container replaced by the new version's, or the previous one put back.

The old container is kept, stopped, as ``actkit-app-<name>-previous`` until the new one has run
steadily (no restart, healthy where the image has a health check) for ``update_settle_s``; its
data volume is the same volume throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from actkit_proto import Unavailable
from actkit_system.domain.apps import InstalledApp, container_name
from actkit_system.handlers.app_containers import bring_back, create_container
from actkit_system.handlers.deps import Apps
from actkit_system.ports import AppEngine, EngineError

POLL_S = 0.25
PREVIOUS = "-previous"


async def replace_app(apps: Apps, there: InstalledApp, new: InstalledApp) -> None:
    """Put ``new`` in the place of ``there``; when it does not start, ``there`` is put back.

    Raises:
        Unavailable: the new version did not start, or the engine failed on the way; the
            previous version is then as it was (running if it ran).
    """
    engine = apps.engine
    name = container_name(new.manifest.name)
    previous = name + PREVIOUS
    try:
        await engine.remove(previous)
        if await engine.inspect(name) is not None:
            await engine.stop(name)
            await engine.rename(name, previous)
        await create_container(apps, new)
        if new.should_run:
            await engine.start(name)
            why = await why_not_running(engine, name, apps.update_settle_s, apps.update_timeout_s)
            if why is not None:
                raise EngineError(why)
    except EngineError as exc:
        await _put_back(apps, there, name, previous)
        await _forget_image(engine, new, there)
        raise Unavailable(
            f"{new.manifest.name} {new.manifest.version} is not installed: {exc}; "
            f"{there.manifest.version} is back as it was"
        ) from None
    with contextlib.suppress(EngineError):
        await engine.remove(previous)
    await _forget_image(engine, there, new)


async def why_not_running(
    engine: AppEngine, name: str, settle_s: float, timeout_s: float
) -> str | None:
    """Why a started container is not running steadily, or ``None`` once it has for ``settle_s``."""
    began = time.monotonic()
    while True:
        container = await engine.inspect(name)
        if container is None:
            return "its container is gone"
        if container.restart_count or container.status in ("exited", "dead", "restarting"):
            return f"it stopped after starting ({container.status})"
        if container.health == "unhealthy":
            return "its health check fails"
        waited_s = time.monotonic() - began
        if waited_s >= settle_s and container.is_running and container.health in (None, "healthy"):
            return None
        if waited_s >= timeout_s:
            return f"it was not healthy within {timeout_s:g} s"
        await asyncio.sleep(POLL_S)


async def _put_back(apps: Apps, there: InstalledApp, name: str, previous: str) -> None:
    with contextlib.suppress(EngineError):
        await apps.engine.remove(name)
        if await apps.engine.inspect(previous) is not None:
            await apps.engine.rename(previous, name)
        await bring_back(apps, there)


async def _forget_image(engine: AppEngine, old: InstalledApp, kept: InstalledApp) -> None:
    """Remove ``old``'s image unless ``kept`` runs the same one."""
    if old.image_id != kept.image_id:
        with contextlib.suppress(EngineError):
            await engine.remove_image(old.image_id)

"""The system updater (``actkit-system-update``): replaces the system service's own container.

The system service cannot stop its own container and still drive the rollout, so once every
other service is replaced it starts this short-lived container from the new system image. The
updater stops the old system container (kept as ``actkit-system-previous``), creates and starts
the new one with its spec, and health-gates it: the engine's health check, and the new system
service answering on the bus. When it is not healthy the old one is put back. Only one system
service ever serves: the old one is stopped before the new one starts. The system service that
runs afterwards reads the rollout it handed over from its data volume and ends it.

In the forked layout (``--container actkit``) the system service runs in the stack's one
container with every other service: the updater replaces that container the same way, and it is
healthy once every service answers.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Sequence

from actkit_core.bus import Bus, Publisher
from actkit_proto import BusError
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import UpgradeProgressed, UpgradeStage
from actkit_system.domain.rollout import STACK_CONTAINER
from actkit_system.handlers.rollout.containers import (
    SYSTEM,
    Stuck,
    Unhealthy,
    put_back,
    replace_container,
    wait_healthy,
)
from actkit_system.ports import ContainerEngine, EngineError
from actkit_system.settings import SystemSettings

log = logging.getLogger("actkit_system.updater")


async def replace_system(
    engine: ContainerEngine,
    bus: Publisher,
    image: str,
    timeout_s: float,
    poll_s: float,
    container: str = SYSTEM,
) -> None:
    """Replace ``container`` with one on ``image``; put the old one back if unhealthy.

    ``container`` is the system service's, or in the forked layout the stack's (``actkit``),
    which is healthy once every service in it answers.

    Raises:
        EngineError, Unhealthy: the new one did not run; the old one is back.
        Stuck: the old one could not be put back.
    """
    services = SERVICE_NAMES if container == STACK_CONTAINER else ["system"]

    async def answers() -> bool:
        try:
            for service in services:
                await bus.request(GetServiceStatus(service=service), timeout_s=1.0)
        except BusError:
            return False
        return True

    await _report(bus, UpgradeStage.REPLACING, f"the updater replaces {container} with {image}")
    try:
        await replace_container(engine, container, image)
        await _report(bus, UpgradeStage.HEALTH_CHECKING, "health check")
        await wait_healthy(engine, container, answers, timeout_s, poll_s)
    except (EngineError, Unhealthy) as exc:
        log.warning("the new %s failed: %s; putting the previous one back", container, exc)
        if await engine.inspect(f"{container}-previous") is not None:
            await put_back(engine, container)
        else:
            await _restart_old(engine, container)
        raise


async def _restart_old(engine: ContainerEngine, container: str) -> None:
    """The old container was stopped but never set aside: start it again."""
    try:
        await engine.start(container)
    except EngineError as exc:
        raise Stuck(f"could not start {container} again: {exc}") from exc


async def _report(bus: Publisher, stage: UpgradeStage, message: str) -> None:
    """Progress while no system service runs: the last status, moved on to ``stage``."""
    try:
        kept = await bus.current(UpgradeProgressed)
    except BusError:
        return
    if not kept:
        return
    status = kept[0].status.model_copy(update={"stage": stage, "service": "system"})
    await bus.publish(UpgradeProgressed(status=status.model_copy(update={"message": message})))


async def update(settings: SystemSettings, image: str, container: str = SYSTEM) -> int:
    """Run the updater; its exit status: 0 when the new system service is healthy."""
    from actkit_system.adapters.engine import DockerEngine

    engine = DockerEngine(settings.docker_url, settings.docker_socket or None)
    try:
        async with Bus.connect("system-updater", **settings.nats_options()) as bus:
            await replace_system(
                engine,
                bus,
                image,
                settings.upgrade_health_timeout_s,
                settings.upgrade_health_poll_s,
                container,
            )
    except (EngineError, Unhealthy, Stuck) as exc:
        log.error("system update to %s failed: %s", image, exc)
        return 1
    finally:
        await engine.close()
    log.info("the system service now runs %s", image)
    return 0


def run(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="actkit-system-update", description=__doc__)
    parser.add_argument("--image", required=True, help="the new system image reference")
    parser.add_argument(
        "--container",
        choices=[SYSTEM, STACK_CONTAINER],
        default=SYSTEM,
        help="the container to replace: the system service's, or the forked stack's",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    raise SystemExit(asyncio.run(update(SystemSettings(), args.image, args.container)))

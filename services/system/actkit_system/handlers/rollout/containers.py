"""Container steps shared by the rollout and the system updater: replace, health-gate, put back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from actkit_system.domain.rollout import SYSTEM_CONTAINER
from actkit_system.ports import ContainerEngine, EngineError

SYSTEM = SYSTEM_CONTAINER
"""The system service's own container (per-service layout)."""
UPDATER = "actkit-system-updater"
"""The short-lived container that replaces the system service's container."""
UPDATE_COMMAND = "actkit-system-update"


class Unhealthy(Exception):
    """A new container did not become healthy."""


class Stuck(Exception):
    """A failed rollout could not be undone: the device needs attention."""


async def replace_container(engine: ContainerEngine, name: str, image: str) -> None:
    """Stop ``name``, keep it aside as ``<name>-previous``, start a clone of it on ``image``.

    Raises:
        EngineError: there is no such container, or the engine refused a step.
    """
    current = await engine.inspect(name)
    if current is None:
        raise EngineError(f"there is no container {name} to upgrade")
    await engine.remove(f"{name}-previous")
    await engine.stop(name)
    await engine.rename(name, f"{name}-previous")
    await engine.create(name, image, current.spec)
    await engine.start(name)


async def wait_healthy(
    engine: ContainerEngine,
    name: str,
    answers: Callable[[], Awaitable[bool]],
    timeout_s: float,
    poll_s: float,
) -> None:
    """Wait until the engine's health check passes and the service answers on the bus.

    Raises:
        Unhealthy: it stopped, reports unhealthy, or is not healthy within ``timeout_s``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        container = await engine.inspect(name)
        if container is None or not container.is_running:
            raise Unhealthy(f"{name} is not running")
        if container.health == "unhealthy":
            raise Unhealthy(f"{name} is unhealthy")
        if container.health in (None, "healthy") and await answers():
            return
        if loop.time() >= deadline:
            raise Unhealthy(f"{name} did not become healthy within {timeout_s:g} s")
        await asyncio.sleep(poll_s)


async def put_back(engine: ContainerEngine, name: str) -> None:
    """Remove the new ``name`` and start ``<name>-previous`` again under its own name.

    Raises:
        Stuck: the engine refused; the device needs attention.
    """
    try:
        await engine.remove(name)
        await engine.rename(f"{name}-previous", name)
        await engine.start(name)
    except EngineError as exc:
        raise Stuck(f"could not put {name} back: {exc}") from exc


def updater_spec(
    system_spec: dict[str, object], image: str, container: str = SYSTEM
) -> dict[str, object]:
    """The updater's container: the system's volumes, network and environment, its own command.

    It publishes no port and takes no network alias (the system container still holds them),
    and is never restarted by the engine: it runs once. ``container`` is the one it replaces:
    the system service's, or the stack's (``actkit``) in the forked layout.
    """
    command = [UPDATE_COMMAND, "--image", image]
    if container != SYSTEM:
        command[1:1] = ["--container", container]
    host = dict(_mapping(system_spec.get("HostConfig")))
    for key in ("PortBindings", "PublishAllPorts"):
        host.pop(key, None)
    host["RestartPolicy"] = {"Name": "no"}
    networks = _mapping(_mapping(system_spec.get("NetworkingConfig")).get("EndpointsConfig"))
    return {
        **{key: value for key, value in system_spec.items() if key not in ("Entrypoint",)},
        "Cmd": command,
        "Healthcheck": {"Test": ["NONE"]},
        "HostConfig": host,
        "NetworkingConfig": {"EndpointsConfig": {network: {} for network in networks}},
    }


def _mapping(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}

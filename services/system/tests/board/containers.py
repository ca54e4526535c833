"""The board's service containers as compose makes them, on the tests' private engine.

Each is ``actkit-<service>`` running that service from this checkout (see :mod:`.images`) with
the host's network, a data folder of its own bound at ``/data``, ``init``, a restart policy and a
health check given to the container (as compose gives it) that runs the image's program.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .engine_host import Engine
from .images import host_binds

HEALTHCHECK = {
    "Test": ["CMD", "/healthcheck"],
    "Interval": 200_000_000,
    "Timeout": 5_000_000_000,
    "Retries": 2,
}
"""Checked every 0.2 s; unhealthy after two failures (nanoseconds, as the Engine API takes them)."""


def service_spec(
    service: str, nats_url: str, data: Path, env: dict[str, str] | None = None
) -> dict[str, Any]:
    prefix = f"ACTKIT_{service.upper()}_"
    settings = {"NATS_URL": nats_url, "DATA_DIR": "/data", "METRICS_PORT": "0", **(env or {})}
    data.mkdir(parents=True, exist_ok=True)
    return {
        "Cmd": [f"actkit-{service}"],
        "Env": [f"{prefix}{key}={value}" for key, value in settings.items()],
        "Healthcheck": HEALTHCHECK,
        "HostConfig": {
            "NetworkMode": "host",
            "Init": True,
            "RestartPolicy": {"Name": "unless-stopped"},
            "Binds": [*host_binds(), f"{data}:/data"],
        },
    }


def system_spec(nats_url: str, data: Path, socket: str, health_timeout_s: float) -> dict[str, Any]:
    """The system service's container: the engine's socket mounted, as on the board."""
    env = {
        "ENGINE": "docker",
        "SOFTWARE_VERSION": "1.0.0",
        "UPGRADE_PUBLIC_KEY_FILE": "/data/key.pub",
        "UPGRADE_HEALTH_TIMEOUT_S": f"{health_timeout_s:g}",
        "UPGRADE_HEALTH_POLL_S": "0.1",
    }
    spec = service_spec("system", nats_url, data, env)
    spec["HostConfig"]["Binds"].append(f"{socket}:/var/run/docker.sock")
    return spec


def run(engine: Engine, service: str, image: str, spec: dict[str, Any]) -> str:
    """Create and start ``actkit-<service>``; its container id."""
    name = f"actkit-{service}"
    created = engine.api(
        "POST", "/containers/create", params={"name": name}, json={**spec, "Image": image}
    )
    engine.api("POST", f"/containers/{name}/start")
    return str(created["Id"])


def wait_healthy(engine: Engine, names: list[str], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        health = {
            name: engine.inspect(name)["State"].get("Health", {}).get("Status") for name in names
        }
        if all(status == "healthy" for status in health.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"containers not healthy in {timeout_s:g} s: {health}")
        time.sleep(0.1)


def remove_all(engine: Engine) -> None:
    """Stop and remove every container of the private engine."""
    for name in engine.containers():
        engine.api("DELETE", f"/containers/{name}", params={"force": "true"})


def running(engine: Engine) -> dict[str, tuple[str, str]]:
    """The containers there are: (id, image reference) by name."""
    return {name: (c["Id"], c["Image"]) for name, c in engine.containers().items()}

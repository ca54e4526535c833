"""What the rollout tests on dockerd share: the board at 1.0.0, manifests, waiting for the end."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Unavailable
from actkit_proto.service import GetServiceStatus
from actkit_proto.system import UpgradeStage, UpgradeStatus

from .containers import run, service_spec, wait_healthy
from .engine_host import Engine
from .images import Images

PEERS = ("io", "mqtt")
"""The services the rollouts replace beside the system service, in rollout order."""
HEALTH_TIMEOUT_S = 60.0
"""How long a new container has to turn healthy: a Python service took 3 s to start in its
container on an idle two-core machine, and 16 s with a load average of 11."""
SLOW_S = 15.0
"""How long a request may take: the service may be starting, on a loaded machine."""
ENDS = (
    UpgradeStage.COMMITTED,
    UpgradeStage.ROLLED_BACK,
    UpgradeStage.FAILED,
    UpgradeStage.AWAITING_CONFIRMATION,
)


@asynccontextmanager
async def peers_at_1_0_0(
    engine: Engine, images: Images, bus: Bus, nats_url: str, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    """io and mqtt in their containers on 1.0.0, healthy and answering; their container ids."""
    ids = {}
    for service in PEERS:
        spec = service_spec(service, nats_url, tmp_path / f"{service}-data")
        ids[f"actkit-{service}"] = run(engine, service, images.tag("1.0.0"), spec)
    await asyncio.to_thread(wait_healthy, engine, list(ids))
    for service in PEERS:
        try:
            await answering(bus, service)
        except AssertionError as exc:
            logs = engine.logs(f"actkit-{service}")
            raise AssertionError(f"{exc}; the container's log ends:\n{logs}") from None
    yield ids


async def answering(bus: Bus, service: str, timeout_s: float = HEALTH_TIMEOUT_S) -> None:
    await eventually(
        lambda: bus.request(GetServiceStatus(service=service), timeout_s=1.0),
        timeout_s=timeout_s,
        interval_s=0.1,
        ignoring=(Unavailable,),
    )


def manifest(images: Images, version: str, services: dict[str, str]) -> str:
    """A release ``version`` replacing each service with an image version pinned by digest."""
    entries = {service: images.manifest_entry(image) for service, image in services.items()}
    return json.dumps({"version": version, "services": entries})


async def ended(
    progress: list[UpgradeStatus], after: int = 0, timeout_s: float = 180.0
) -> UpgradeStatus:
    """The rollout's last progress, once it has ended (the ``after`` first ones skipped)."""

    def last() -> UpgradeStatus | None:
        news = progress[after:]
        return news[-1] if news and news[-1].stage in ENDS else None

    return await eventually(last, timeout_s=timeout_s, interval_s=0.05)

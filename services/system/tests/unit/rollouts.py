"""What the rollout unit tests share: a manifest, running an upgrade to its end, its stages."""

import json

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.system import (
    GetUpgradeStatus,
    StartUpgrade,
    UpgradeBundle,
    UpgradeProgressed,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_system.handlers import Deps

DIGEST = "sha256:" + "ab" * 32


def manifest(version: str = "1.1.0", services: tuple[str, ...] = ("io", "mqtt")) -> str:
    return json.dumps(
        {
            "version": version,
            "build": "b7",
            "services": {s: {"image": f"actkit:{version}"} for s in services},
        }
    )


async def upgrade(
    fake_bus: FakeBus, deps: Deps, bundle: UpgradeBundle, **options: object
) -> UpgradeStatus:
    await fake_bus.request(StartUpgrade(bundle=bundle, **options))  # type: ignore[arg-type]
    assert deps.upgrades.task is not None
    await deps.upgrades.task
    return await fake_bus.request(GetUpgradeStatus())


def stages(bus: FakeBus) -> list[tuple[UpgradeStage, int, str | None]]:
    return [
        (e.status.stage, e.status.percent, e.status.service)
        for e in bus.published
        if isinstance(e, UpgradeProgressed)
    ]

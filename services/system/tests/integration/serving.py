"""The system service's surroundings in rollout tests: settings, peers, and waiting for it."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto import Unavailable
from actkit_proto.system import GetIdentity, UpgradeProgressed, UpgradeStatus
from actkit_system.settings import SystemSettings

from .engine_standin import EngineStandIn

PEERS = ("io", "mqtt")
"""The other services a rollout replaces in these tests."""


def engine_settings(
    nats_server: str, tmp_path: Path, engine: EngineStandIn, health_timeout_s: float
) -> SystemSettings:
    """The system service at version 1.0.0, driving the stand-in engine."""
    return SystemSettings(
        nats_url=nats_server,
        data_dir=tmp_path,
        metrics_port=0,
        software_version="1.0.0",
        engine="docker",
        docker_url=engine.url,
        docker_socket="",
        upgrade_public_key_file=tmp_path / "key.pub",
        upgrade_health_timeout_s=health_timeout_s,
        upgrade_health_poll_s=0.02,
    )


async def peers_and_observer(
    stack: AsyncExitStack, nats_server: str
) -> tuple[Bus, list[UpgradeStatus]]:
    """Every peer answering on the bus, and an observer collecting the upgrade's progress."""
    progress: list[UpgradeStatus] = []
    for service in PEERS:
        peer = await stack.enter_async_context(Bus.connect(service, servers=[nats_server]))
        await peer.serve({}, None, version="1.1.0")
    observer = await stack.enter_async_context(Bus.connect("observer", servers=[nats_server]))

    async def collect(event: UpgradeProgressed) -> None:
        progress.append(event.status)

    await observer.subscribe(UpgradeProgressed, collect)
    return observer, progress


async def until_answering(bus: Bus, timeout_s: float = 3.0) -> None:
    """Requests right after start-up can meet no responder on a loaded machine: retry briefly."""
    await eventually(
        lambda: bus.request(GetIdentity(), timeout_s=1.0),
        timeout_s=timeout_s,
        interval_s=0.05,
        ignoring=(Unavailable,),
    )

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.plugin import running
from actkit_proto import Forbidden
from actkit_proto.system import (
    GetUpgradeStatus,
    StartUpgrade,
    UpgradeProgressed,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_system.handlers.rollout.bundle import sign
from actkit_system.main import serve

from .engine_standin import EngineStandIn, EngineState, start_engine
from .serving import PEERS, engine_settings, peers_and_observer, until_answering


@pytest.fixture
def engine() -> Iterator[EngineStandIn]:
    state = EngineState()
    for service in PEERS:
        state.add(f"actkit-{service}", "actkit:1.0.0")
    stand_in = start_engine(state)
    yield stand_in
    stand_in.close()


@asynccontextmanager
async def device(
    nats_server: str, tmp_path: Path, engine: EngineStandIn
) -> AsyncIterator[list[UpgradeStatus]]:
    """The system service on the stand-in engine, with io and mqtt answering on the bus."""
    settings = engine_settings(nats_server, tmp_path, engine, health_timeout_s=5)
    async with AsyncExitStack() as stack:
        observer, progress = await peers_and_observer(stack, nats_server)
        await stack.enter_async_context(running(serve, settings))
        await until_answering(observer)
        yield progress


def manifest(version: str = "1.1.0") -> str:
    return json.dumps(
        {"version": version, "services": {s: {"image": f"actkit:{version}"} for s in PEERS}}
    )


async def finished(bus: Bus) -> UpgradeStatus:
    async def ended() -> UpgradeStatus | None:
        status = await bus.request(GetUpgradeStatus())
        return None if status.stage in RUNNING else status

    return await eventually(ended, timeout_s=10)


RUNNING = (
    UpgradeStage.VERIFYING,
    UpgradeStage.PULLING,
    UpgradeStage.REPLACING,
    UpgradeStage.HEALTH_CHECKING,
    UpgradeStage.ROLLING_BACK,
)


async def test_a_healthy_rollout_through_the_engine_api_commits(
    bus: Bus, nats_server: str, tmp_path: Path, engine: EngineStandIn, signing_key: bytes
) -> None:
    async with device(nats_server, tmp_path, engine) as progress:
        await bus.request(StartUpgrade(bundle=sign(manifest(), signing_key)))
        status = await finished(bus)
        assert (status.stage, status.version, status.previous_version) == (
            UpgradeStage.COMMITTED,
            "1.1.0",
            "1.0.0",
        )
        containers = engine.state.containers
        assert {name: c["Config"]["Image"] for name, c in containers.items()} == {
            "actkit-io": "actkit:1.1.0",
            "actkit-mqtt": "actkit:1.1.0",
        }
        # The new container is a clone of the old one but for its image.
        assert containers["actkit-io"]["HostConfig"] == {"Binds": ["data:/data"]}
        assert containers["actkit-io"]["Config"]["Env"] == ["A=1"]
        assert engine.state.pulled == ["actkit:1.1.0", "actkit:1.1.0"]
        await bus.client.flush()
        await eventually(
            lambda: progress and progress[-1].stage is UpgradeStage.COMMITTED, timeout_s=2
        )
        assert [s.percent for s in progress if s.stage is UpgradeStage.HEALTH_CHECKING] == [
            33,
            83,
        ]
        assert progress[-1].stage is UpgradeStage.COMMITTED
        [kept] = await bus.current(UpgradeProgressed)
        assert kept.status.version == "1.1.0"


async def test_an_unhealthy_container_is_rolled_back_through_the_engine_api(
    bus: Bus, nats_server: str, tmp_path: Path, engine: EngineStandIn, signing_key: bytes
) -> None:
    engine.state.unhealthy.add("actkit:1.1.0")
    async with device(nats_server, tmp_path, engine):
        await bus.request(StartUpgrade(bundle=sign(manifest(), signing_key)))
        status = await finished(bus)
        assert status.stage is UpgradeStage.ROLLED_BACK
        assert status.version == "1.0.0"
        assert "actkit-io is unhealthy" in status.message
        images = {n: c["Config"]["Image"] for n, c in engine.state.containers.items()}
        assert images == {"actkit-io": "actkit:1.0.0", "actkit-mqtt": "actkit:1.0.0"}
        assert engine.state.containers["actkit-io"]["State"]["Running"]


async def test_a_bundle_with_a_bad_signature_is_refused_before_the_engine_is_touched(
    bus: Bus, nats_server: str, tmp_path: Path, engine: EngineStandIn, signing_key: bytes
) -> None:
    async with device(nats_server, tmp_path, engine):
        tampered = sign(manifest(), signing_key).model_copy(update={"manifest": manifest("9.9")})
        with pytest.raises(Forbidden, match="does not verify with any trusted key"):
            await bus.request(StartUpgrade(bundle=tampered))
        assert engine.state.calls == []

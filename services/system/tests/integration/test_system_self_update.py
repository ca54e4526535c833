import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto.system import (
    GetUpgradeStatus,
    SetDateTime,
    SetTimeSettings,
    StartUpgrade,
    SyncMode,
    TimeSettings,
    UpgradeMode,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_system.handlers.rollout.bundle import sign

from .device import Device
from .engine_standin import EngineStandIn, EngineState, start_engine
from .serving import PEERS, engine_settings, peers_and_observer, until_answering

SYSTEM_SPEC = {"Env": ["ACTKIT_SYSTEM_DATA_DIR=/data"], "Cmd": ["actkit-system"]}


@pytest.fixture
def engine() -> Iterator[EngineStandIn]:
    state = EngineState()
    for service in PEERS:
        state.add(f"actkit-{service}", "actkit:1.0.0")
    state.add("actkit-system", "actkit-system:1.0.0", SYSTEM_SPEC)
    stand_in = start_engine(state)
    yield stand_in
    stand_in.close()


@asynccontextmanager
async def device(
    nats_server: str, tmp_path: Path, engine: EngineStandIn
) -> AsyncIterator[tuple[Device, list[UpgradeStatus]]]:
    """The system container serving on the stand-in engine, io and mqtt answering on the bus."""
    settings = engine_settings(nats_server, tmp_path, engine, health_timeout_s=10)
    async with AsyncExitStack() as stack:
        observer, progress = await peers_and_observer(stack, nats_server)
        board = Device(settings, engine.state)
        stack.push_async_callback(board.close)
        board.start_system(engine.state.containers["actkit-system"])
        await until_answering(observer, timeout_s=15)
        yield board, progress


def manifest(version: str) -> str:
    services = {s: {"image": f"actkit:{version}"} for s in PEERS}
    services["system"] = {"image": f"actkit-system:{version}"}
    return json.dumps({"version": version, "services": services})


def reached(progress: list[UpgradeStatus], stage: UpgradeStage) -> Callable[[], bool]:
    return lambda: any(status.stage is stage for status in progress)


async def status_of(bus: Bus) -> UpgradeStatus:
    await until_answering(bus, timeout_s=15)
    return await bus.request(GetUpgradeStatus())


async def test_the_updater_replaces_the_system_service_and_the_new_one_ends_the_rollout(
    bus: Bus, nats_server: str, tmp_path: Path, engine: EngineStandIn, signing_key: bytes
) -> None:
    async with device(nats_server, tmp_path, engine) as (board, progress):
        await bus.request(StartUpgrade(bundle=sign(manifest("1.1.0"), signing_key)))
        await eventually(reached(progress, UpgradeStage.COMMITTED), timeout_s=30)
        status = await status_of(bus)
        assert (status.stage, status.version, status.previous_version) == (
            UpgradeStage.COMMITTED,
            "1.1.0",
            "1.0.0",
        )
        assert engine.state.images() == {
            "actkit-io": "actkit:1.1.0",
            "actkit-mqtt": "actkit:1.1.0",
            "actkit-system": "actkit-system:1.1.0",
        }
        system = engine.state.containers["actkit-system"]
        assert system["Config"]["Env"] == SYSTEM_SPEC["Env"]
        assert system["Config"]["Cmd"] == ["actkit-system"]
        assert board.started == ["actkit-system:1.0.0", "actkit-system:1.1.0"]
        assert board.most_serving == 1
        calls = engine.state.calls
        assert calls.index("POST /containers/actkit-system/stop") < calls.index(
            "POST /containers/actkit-system/start"
        )
        # Progress shows the system stage: the old service hands over, the updater replaces it.
        system_stages = [s.stage for s in progress if s.service == "system"]
        assert system_stages[:4] == [
            UpgradeStage.PULLING,
            UpgradeStage.REPLACING,
            UpgradeStage.REPLACING,
            UpgradeStage.HEALTH_CHECKING,
        ]
        assert progress[-1].stage is UpgradeStage.COMMITTED
        assert progress[-1].version == "1.1.0"


async def test_an_unhealthy_new_system_service_is_replaced_by_the_old_one(
    bus: Bus, nats_server: str, tmp_path: Path, engine: EngineStandIn, signing_key: bytes
) -> None:
    engine.state.unhealthy.add("actkit-system:1.1.0")
    async with device(nats_server, tmp_path, engine) as (board, progress):
        await bus.request(StartUpgrade(bundle=sign(manifest("1.1.0"), signing_key)))
        await eventually(reached(progress, UpgradeStage.ROLLED_BACK), timeout_s=30)
        status = await status_of(bus)
        assert (status.stage, status.version) == (UpgradeStage.ROLLED_BACK, "1.0.0")
        assert "the new system service did not become healthy" in status.message
        assert engine.state.images() == {
            "actkit-io": "actkit:1.0.0",
            "actkit-mqtt": "actkit:1.0.0",
            "actkit-system": "actkit-system:1.0.0",
        }
        assert engine.state.containers["actkit-io"]["State"]["Running"]
        assert board.started == [
            "actkit-system:1.0.0",
            "actkit-system:1.1.0",
            "actkit-system:1.0.0",
        ]
        assert board.most_serving == 1


async def test_autorollback_without_confirmation_brings_the_previous_system_back(
    bus: Bus, nats_server: str, tmp_path: Path, engine: EngineStandIn, signing_key: bytes
) -> None:
    async with device(nats_server, tmp_path, engine) as (board, progress):
        bundle = sign(manifest("1.1.0"), signing_key)
        await bus.request(
            StartUpgrade(bundle=bundle, mode=UpgradeMode.AUTOROLLBACK, confirm_within_s=60)
        )
        await eventually(reached(progress, UpgradeStage.AWAITING_CONFIRMATION), timeout_s=30)
        assert engine.state.images()["actkit-system"] == "actkit-system:1.1.0"
        # The new system service keeps the deadline: move its clock past it.
        await bus.request(SetTimeSettings(settings=TimeSettings(sync_mode=SyncMode.CUSTOM)))
        later = datetime.now(UTC) + timedelta(minutes=2)
        await bus.request(SetDateTime(at=later))
        await eventually(reached(progress, UpgradeStage.ROLLED_BACK), timeout_s=30)
        status = await status_of(bus)
        assert (status.stage, status.version, status.previous_version) == (
            UpgradeStage.ROLLED_BACK,
            "1.0.0",
            None,
        )
        assert status.message == "not confirmed in time; back on 1.0.0"
        assert engine.state.images() == {
            "actkit-io": "actkit:1.0.0",
            "actkit-mqtt": "actkit:1.0.0",
            "actkit-system": "actkit-system:1.0.0",
        }
        assert board.started[-1] == "actkit-system:1.0.0"
        assert board.most_serving == 1

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.service import GetServiceStatus, ServiceStatus
from actkit_proto.system import (
    GetUpgradeStatus,
    RollbackUpgrade,
    UpgradeMode,
    UpgradeStage,
)
from actkit_system.adapters.sim import SimEngine
from actkit_system.domain.rollout import Handover, RolloutRecord, read_release
from actkit_system.handlers import Deps
from actkit_system.handlers.rollout.bundle import sign
from actkit_system.handlers.rollout.containers import updater_spec
from actkit_system.handlers.rollout.updater import replace_system

from .rollouts import DIGEST, manifest, stages, upgrade


async def system_answers(command: GetServiceStatus) -> ServiceStatus:
    return ServiceStatus(
        service=command.service,
        version="1.1.0",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        metrics_port=9307,
        handled=0,
        failed=0,
    )


async def test_the_system_service_hands_its_own_replacement_to_the_updater(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    status = await upgrade(fake_bus, deps, sign(manifest(services=("io", "system")), trusting))
    assert (status.stage, status.version, status.previous_version) == (
        UpgradeStage.COMMITTED,
        "1.1.0",
        "1.0.0",
    )
    assert engine.calls.index("start actkit-io") < engine.calls.index(
        "create actkit-system-updater actkit:1.1.0"
    )
    # The updater stops the old system container before it starts the new one.
    updater = engine.calls.index("start actkit-system-updater")
    assert engine.calls[updater + 1 : updater + 6] == [
        "remove actkit-system-previous",
        "stop actkit-system",
        "rename actkit-system actkit-system-previous",
        "create actkit-system actkit:1.1.0",
        "start actkit-system",
    ]
    assert engine.containers["actkit-system"].image == "actkit:1.1.0"
    assert not any(name.endswith(("-previous", "-updater")) for name in engine.containers)
    assert [(stage, service) for stage, _, service in stages(fake_bus)][-3:] == [
        (UpgradeStage.PULLING, "system"),
        (UpgradeStage.REPLACING, "system"),
        (UpgradeStage.COMMITTED, None),
    ]
    assert deps.upgrades.record.handover is None


async def test_an_unhealthy_new_system_service_is_replaced_by_the_old_one(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    engine.unhealthy_images.add("actkit:1.1.0-system")
    release = json.loads(manifest(services=("io", "system")))
    release["services"]["system"]["image"] = "actkit:1.1.0-system"
    status = await upgrade(fake_bus, deps, sign(json.dumps(release), trusting))
    assert (status.stage, status.version) == (UpgradeStage.ROLLED_BACK, "1.0.0")
    assert "the new system service did not become healthy" in status.message
    assert engine.containers["actkit-system"].image == "actkit:1.0.0"
    assert engine.containers["actkit-system"].is_running
    assert engine.containers["actkit-io"].image == "actkit:1.0.0"
    assert not any(name.endswith(("-previous", "-updater")) for name in engine.containers)


async def test_a_reused_system_tag_still_tells_the_old_service_from_the_new(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    system = engine.containers["actkit-system"]
    engine.containers["actkit-system"] = replace(system, image="actkit-system:latest")
    engine.unhealthy_images.add("actkit-system:latest")
    release = json.loads(manifest(services=("io", "system")))
    release["services"]["system"]["image"] = "actkit-system:latest"
    status = await upgrade(fake_bus, deps, sign(json.dumps(release), trusting))
    assert (status.stage, status.version) == (UpgradeStage.ROLLED_BACK, "1.0.0")
    assert engine.containers["actkit-system"].container_id == system.container_id
    assert engine.containers["actkit-io"].image == "actkit:1.0.0"


async def test_a_system_service_started_during_a_handover_ends_it(
    fake_bus: FakeBus,
    start: Callable[[], AbstractAsyncContextManager[Deps]],
    engine: SimEngine,
    keys: tuple[bytes, str],
) -> None:
    """The updater replaced the system container; the new system service commits."""
    release = read_release(manifest(services=("io", "system")))
    before = read_release(manifest("1.0.0", services=("io", "system")))
    engine.containers["actkit-io"] = replace(engine.containers["actkit-io"], image="actkit:1.1.0")
    engine.containers["actkit-io-previous"] = replace(
        engine.containers["actkit-io"], name="actkit-io-previous", image="actkit:1.0.0"
    )
    fake_bus.answer(GetServiceStatus, system_answers)  # type: ignore[arg-type]
    await replace_system(engine, fake_bus, "actkit:1.1.0", timeout_s=1, poll_s=0)
    async with start() as deps:
        handover = Handover(
            release=release,
            replaced=["io"],
            record=RolloutRecord(current=release, previous=before),
            mode=UpgradeMode.AUTOROLLBACK,
            confirm_within_s=120,
        )
        await deps.store.save(RolloutRecord(handover=handover))
    async with start() as deps:
        assert deps.upgrades.task is not None
        await deps.upgrades.task
        status = await fake_bus.request(GetUpgradeStatus())
    assert (status.stage, status.version, status.previous_version) == (
        UpgradeStage.AWAITING_CONFIRMATION,
        "1.1.0",
        "1.0.0",
    )
    assert status.confirm_by is not None
    assert not any(name.endswith("-previous") for name in engine.containers)


async def test_a_rollback_brings_back_what_ran_of_every_service_the_upgrade_replaced(
    fake_bus: FakeBus, deps: Deps, engine: SimEngine, trusting: bytes
) -> None:
    pinned = f"reg.example/actkit@{DIGEST}"
    engine.containers["actkit-mqtt"] = replace(engine.containers["actkit-mqtt"], image=pinned)
    await upgrade(fake_bus, deps, sign(manifest("1.1.0", services=("io",)), trusting))
    await upgrade(fake_bus, deps, sign(manifest("1.2.0", ("io", "mqtt", "system")), trusting))
    assert engine.containers["actkit-system"].image == "actkit:1.2.0"
    await fake_bus.request(RollbackUpgrade())
    assert deps.upgrades.task is not None
    await deps.upgrades.task
    status = await fake_bus.request(GetUpgradeStatus())
    assert (status.stage, status.version) == (UpgradeStage.ROLLED_BACK, "1.1.0")
    images = {name: container.image for name, container in engine.containers.items()}
    assert (images["actkit-io"], images["actkit-mqtt"], images["actkit-system"]) == (
        "actkit:1.1.0",
        pinned,
        "actkit:1.0.0",
    )


def test_the_updater_runs_with_the_system_volumes_but_no_ports_nor_restarts() -> None:
    spec = updater_spec(
        {
            "Env": ["A=1"],
            "Cmd": ["actkit-system"],
            "HostConfig": {"Binds": ["system-data:/data"], "PortBindings": {"9307/tcp": []}},
            "NetworkingConfig": {"EndpointsConfig": {"actkit": {"Aliases": ["system"]}}},
        },
        "actkit:2",
    )
    assert spec["Cmd"] == ["actkit-system-update", "--image", "actkit:2"]
    assert spec["Env"] == ["A=1"]
    assert spec["HostConfig"] == {
        "Binds": ["system-data:/data"],
        "RestartPolicy": {"Name": "no"},
    }
    assert spec["NetworkingConfig"] == {"EndpointsConfig": {"actkit": {}}}

"""Upgrades as container rollouts: verify, replace each service's container, health-gate, roll back.

Each service's container ``actkit-<service>`` is replaced in turn: pull the new image, stop the
old container and keep it aside as ``actkit-<service>-previous``, create the new one with the
old one's spec, start it and wait until it is healthy (the engine's health check, and the
service answering on the bus). A service that does not become healthy puts every replaced
service back as it was. The system service drives the rollout and is not part of it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from actkit_proto import BusError, Conflict
from actkit_proto.service import GetServiceStatus
from actkit_proto.system import (
    ConfirmUpgrade,
    FactoryDefault,
    GetUpgradeSettings,
    GetUpgradeStatus,
    RollbackUpgrade,
    SetUpgradeSettings,
    StartUpgrade,
    UpgradeMode,
    UpgradeProgressed,
    UpgradeSettings,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_system.domain.rollout import (
    Release,
    RolloutRecord,
    ServiceImage,
    check_public_key,
    keeps_previous,
    verify_bundle,
)
from actkit_system.handlers.deps import Deps, Upgrades
from actkit_system.handlers.maintenance import factory_default
from actkit_system.metrics import ROLLOUTS
from actkit_system.ports import ContainerEngine, EngineError

log = logging.getLogger(__name__)

STEPS_PER_SERVICE = 3


class Unhealthy(Exception):
    """A new container did not become healthy."""


class RolledBack(Exception):
    """The rollout failed; every replaced service was put back as it was."""


class Stuck(Exception):
    """A failed rollout could not be undone: the device needs attention."""


async def get_upgrade_status(_command: GetUpgradeStatus, deps: Deps) -> UpgradeStatus:
    return deps.upgrades.status()


async def get_upgrade_settings(_command: GetUpgradeSettings, deps: Deps) -> UpgradeSettings:
    return deps.upgrades.settings


async def set_upgrade_settings(command: SetUpgradeSettings, deps: Deps) -> UpgradeSettings:
    for pem in command.settings.public_keys:
        check_public_key(pem)
    await deps.store.save_section("upgrade", command.settings)
    deps.upgrades.settings = command.settings
    return command.settings


async def start_upgrade(command: StartUpgrade, deps: Deps) -> UpgradeStatus:
    upgrades = deps.upgrades
    _refuse_when_busy(upgrades)
    if upgrades.record.pending_confirmation is not None:
        raise Conflict("confirm or roll back the last upgrade before starting another")
    trusted = upgrades.settings.model_copy(
        update={"public_keys": [*upgrades.built_in_keys, *upgrades.settings.public_keys]}
    )
    release = verify_bundle(command.bundle, trusted)
    if release.version == upgrades.version():
        raise Conflict(f"version {release.version} is installed already")
    upgrades.mode = command.mode
    upgrades.target = release.version
    await _progress(deps, UpgradeStage.VERIFYING, 0, None, "signature verified")
    upgrades.task = asyncio.create_task(_upgrade(deps, release, command))
    return upgrades.status()


async def confirm_upgrade(_command: ConfirmUpgrade, deps: Deps) -> UpgradeStatus:
    upgrades = deps.upgrades
    if upgrades.record.pending_confirmation is None:
        raise Conflict("there is no upgrade waiting for confirmation")
    await _save(deps, upgrades.record.model_copy(update={"pending_confirmation": None}))
    await _progress(deps, UpgradeStage.COMMITTED, 100, None, "upgrade confirmed")
    return upgrades.status()


async def rollback_upgrade(_command: RollbackUpgrade, deps: Deps) -> UpgradeStatus:
    upgrades = deps.upgrades
    _refuse_when_busy(upgrades)
    if upgrades.record.previous is None:
        raise Conflict("there is no previous version to roll back to")
    upgrades.mode = None
    upgrades.target = upgrades.record.previous.version
    upgrades.task = asyncio.create_task(_rollback(deps, "rollback asked for"))
    return upgrades.status()


async def advance_upgrade(deps: Deps) -> None:
    """Autorollback: bring the previous version back once the time to confirm is over."""
    upgrades = deps.upgrades
    deadline = upgrades.record.pending_confirmation
    if deadline is None or upgrades.is_busy() or deps.time.now() < deadline:
        return
    upgrades.target = upgrades.record.previous.version if upgrades.record.previous else None
    upgrades.task = asyncio.create_task(_rollback(deps, "not confirmed in time"))


def _refuse_when_busy(upgrades: Upgrades) -> None:
    if upgrades.is_busy():
        raise Conflict(
            f"a rollout to {upgrades.target} is in progress ({upgrades.stage.value}); "
            "wait for it to end"
        )


async def _upgrade(deps: Deps, release: Release, command: StartUpgrade) -> None:
    upgrades = deps.upgrades
    try:
        before = await _deploy(deps, release)
    except RolledBack as exc:
        await _progress(
            deps, UpgradeStage.ROLLED_BACK, 100, None, f"{exc}; still on {upgrades.version()}"
        )
        return
    except Stuck as exc:
        await _progress(deps, UpgradeStage.FAILED, 100, None, str(exc))
        return
    previous = upgrades.record.current or before
    record = RolloutRecord(
        current=release, previous=previous if keeps_previous(command.mode) else None
    )
    if command.mode is UpgradeMode.AUTOROLLBACK:
        record.pending_confirmation = deps.time.now() + timedelta(seconds=command.confirm_within_s)
        await _save(deps, record)
        await _progress(
            deps, UpgradeStage.AWAITING_CONFIRMATION, 100, None,
            f"running {release.version}; confirm before {record.pending_confirmation:%H:%M:%S} UTC",
        )  # fmt: skip
        return
    await _save(deps, record)
    await _progress(deps, UpgradeStage.COMMITTED, 100, None, f"running {release.version}")
    if command.mode is UpgradeMode.FACTORY_DEFAULT:
        await factory_default(FactoryDefault(), deps)


async def _rollback(deps: Deps, reason: str) -> None:
    upgrades = deps.upgrades
    previous = upgrades.record.previous
    assert previous is not None
    await _progress(deps, UpgradeStage.ROLLING_BACK, 0, None, reason)
    try:
        await _deploy(deps, previous, stage=UpgradeStage.ROLLING_BACK)
    except (RolledBack, Stuck) as exc:
        await _progress(deps, UpgradeStage.FAILED, 100, None, f"rollback failed: {exc}")
        return
    await _save(deps, RolloutRecord(current=previous))
    await _progress(
        deps, UpgradeStage.ROLLED_BACK, 100, None, f"{reason}; back on {previous.version}"
    )


async def _deploy(deps: Deps, release: Release, stage: UpgradeStage | None = None) -> Release:
    """Replace each service's container; undo them all if one fails. Returns what ran before."""
    engine = deps.upgrades.engine
    order = release.order()
    total = len(order) * STEPS_PER_SERVICE
    before: dict[str, ServiceImage] = {}
    replaced: list[str] = []
    for index, service in enumerate(order):
        name = f"actkit-{service}"
        done = index * STEPS_PER_SERVICE
        reference = release.services[service].reference
        try:
            current = await engine.inspect(name)
            if current is None:
                raise EngineError(f"there is no container {name} to upgrade")
            before[service] = ServiceImage.model_construct(image=current.image, digest=None)
            percent = done * 100 // total
            await _progress(deps, stage or UpgradeStage.PULLING, percent, service, "pulling")
            await engine.pull(reference)
            percent = (done + 1) * 100 // total
            await _progress(deps, stage or UpgradeStage.REPLACING, percent, service, "replacing")
            await engine.remove(f"{name}-previous")
            await engine.stop(name)
            await engine.rename(name, f"{name}-previous")
            replaced.append(service)
            await engine.create(name, reference, current.spec)
            await engine.start(name)
            percent = (done + 2) * 100 // total
            await _progress(
                deps, stage or UpgradeStage.HEALTH_CHECKING, percent, service, "health check"
            )
            await _wait_healthy(deps, service, name)
        except (EngineError, Unhealthy) as exc:
            log.warning("rollout of %s failed at %s: %s", release.version, service, exc)
            await _progress(deps, UpgradeStage.ROLLING_BACK, 0, service, f"{service}: {exc}")
            for undo in reversed(replaced):
                await _put_back(engine, f"actkit-{undo}")
            raise RolledBack(f"{service}: {exc}") from exc
    for service in replaced:
        await engine.remove(f"actkit-{service}-previous")
    return Release.model_construct(version=deps.upgrades.version(), build="", services=before)


async def _put_back(engine: ContainerEngine, name: str) -> None:
    try:
        await engine.remove(name)
        await engine.rename(f"{name}-previous", name)
        await engine.start(name)
    except EngineError as exc:
        raise Stuck(f"could not put {name} back: {exc}") from exc


async def _wait_healthy(deps: Deps, service: str, name: str) -> None:
    upgrades = deps.upgrades
    loop = asyncio.get_running_loop()
    deadline = loop.time() + upgrades.health_timeout_s
    while True:
        container = await upgrades.engine.inspect(name)
        if container is None or not container.is_running:
            raise Unhealthy(f"{name} is not running")
        if container.health == "unhealthy":
            raise Unhealthy(f"{name} is unhealthy")
        if container.health in (None, "healthy") and await _answers(deps, service):
            return
        if loop.time() >= deadline:
            raise Unhealthy(f"{name} did not become healthy within {upgrades.health_timeout_s:g} s")
        await asyncio.sleep(upgrades.health_poll_s)


async def _answers(deps: Deps, service: str) -> bool:
    if not deps.upgrades.is_checking_bus:
        return True
    try:
        await deps.bus.request(GetServiceStatus(service=service), timeout_s=1.0)
    except BusError:
        return False
    return True


async def _save(deps: Deps, record: RolloutRecord) -> None:
    await deps.store.save_section("rollout", record)
    deps.upgrades.record = record


async def _progress(
    deps: Deps, stage: UpgradeStage, percent: int, service: str | None, message: str
) -> None:
    upgrades = deps.upgrades
    if stage in (UpgradeStage.COMMITTED, UpgradeStage.ROLLED_BACK, UpgradeStage.FAILED):
        ROLLOUTS.labels(stage.value).inc()
    upgrades.stage, upgrades.percent, upgrades.service, upgrades.message = (
        stage,
        percent,
        service,
        message,
    )
    await deps.bus.publish(UpgradeProgressed(status=upgrades.status()))

"""Upgrades: system.upgrade.* — start, confirm or roll back a rollout, and its settings.

The rollout itself (replace each service's container, health-gate, roll back, hand the system
service's own replacement to the updater) is the engine in :mod:`actkit_system.handlers.rollout`.
"""

from __future__ import annotations

import asyncio

from actkit_proto import Conflict
from actkit_proto.system import (
    ConfirmUpgrade,
    GetUpgradeSettings,
    GetUpgradeStatus,
    RollbackUpgrade,
    SetUpgradeSettings,
    StartUpgrade,
    UpgradeSettings,
    UpgradeStage,
    UpgradeStatus,
)
from actkit_system.domain.signing import check_public_key
from actkit_system.handlers.custom_software import verified_release
from actkit_system.handlers.deps import Deps, Upgrades
from actkit_system.handlers.rollout.engine import (
    finish_handover,
    report_progress,
    run_rollback,
    run_upgrade,
    save_record,
)


async def get_upgrade_status(_command: GetUpgradeStatus, deps: Deps) -> UpgradeStatus:
    return deps.upgrades.status()


async def get_upgrade_settings(_command: GetUpgradeSettings, deps: Deps) -> UpgradeSettings:
    return deps.upgrades.settings


async def set_upgrade_settings(command: SetUpgradeSettings, deps: Deps) -> UpgradeSettings:
    for pem in command.settings.public_keys:
        check_public_key(pem)
    await deps.store.save(command.settings)
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
    release = await verified_release(command.bundle, trusted, deps)
    if release.version == upgrades.version():
        raise Conflict(f"version {release.version} is installed already")
    upgrades.mode = command.mode
    upgrades.target = release.version
    await report_progress(deps, UpgradeStage.VERIFYING, 0, None, "signature verified")
    upgrades.task = asyncio.create_task(run_upgrade(deps, release, command))
    return upgrades.status()


async def confirm_upgrade(_command: ConfirmUpgrade, deps: Deps) -> UpgradeStatus:
    upgrades = deps.upgrades
    _refuse_when_busy(upgrades)
    if upgrades.record.pending_confirmation is None:
        raise Conflict("there is no upgrade waiting for confirmation")
    await save_record(deps, upgrades.record.model_copy(update={"pending_confirmation": None}))
    await report_progress(deps, UpgradeStage.COMMITTED, 100, None, "upgrade confirmed")
    return upgrades.status()


async def rollback_upgrade(_command: RollbackUpgrade, deps: Deps) -> UpgradeStatus:
    upgrades = deps.upgrades
    _refuse_when_busy(upgrades)
    if upgrades.record.previous is None:
        raise Conflict("there is no previous version to roll back to")
    upgrades.mode = None
    upgrades.target = upgrades.record.previous.version
    upgrades.task = asyncio.create_task(run_rollback(deps, "rollback asked for"))
    return upgrades.status()


async def advance_upgrade(deps: Deps) -> None:
    """Autorollback: bring the previous version back once the time to confirm is over."""
    upgrades = deps.upgrades
    deadline = upgrades.record.pending_confirmation
    if deadline is None or upgrades.is_busy() or upgrades.record.handover is not None:
        return
    if deps.time.now() < deadline:
        return
    upgrades.target = upgrades.record.previous.version if upgrades.record.previous else None
    upgrades.task = asyncio.create_task(run_rollback(deps, "not confirmed in time"))


async def resume_upgrade(deps: Deps) -> None:
    """At start: end the rollout handed to the updater, if there is one."""
    handover = deps.upgrades.record.handover
    if handover is not None:
        upgrades = deps.upgrades
        upgrades.mode, upgrades.target = handover.mode, handover.release.version
        upgrades.stage, upgrades.service = UpgradeStage.HEALTH_CHECKING, "system"
        upgrades.task = asyncio.create_task(finish_handover(deps, handover))


def _refuse_when_busy(upgrades: Upgrades) -> None:
    if upgrades.record.handover is not None:
        raise Conflict("the system service is being replaced; wait for the new one")
    if upgrades.is_busy():
        raise Conflict(
            f"a rollout to {upgrades.target} is in progress ({upgrades.stage.value}); "
            "wait for it to end"
        )

"""Restart, restore and factory default: fanned out to every service over the bus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from actkit_proto import Ack, BusError
from actkit_proto.io import LedColour, LedPattern, ResetRequested, SetLed
from actkit_proto.params import RestoreScope, RestoreSettings
from actkit_proto.system import (
    FactoryDefault,
    Location,
    MaintenanceAction,
    MaintenanceResult,
    PowerSettings,
    Restart,
    RestartRequested,
    Restore,
    Severity,
    TimeSettings,
    UpgradeSettings,
)
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.device import update_power, update_time
from actkit_system.handlers.logs import note, release_syslog_certificates

log = logging.getLogger(__name__)

RESTORE_TIMEOUT_S = 10.0


async def restart(_command: Restart, deps: Deps) -> MaintenanceResult:
    await _restart_device(deps, MaintenanceAction.RESTART)
    return MaintenanceResult(action=MaintenanceAction.RESTART, restored=[])


async def restore(_command: Restore, deps: Deps) -> MaintenanceResult:
    return await _restore_everywhere(deps, RestoreScope.RESTORE, MaintenanceAction.RESTORE)


async def factory_default(_command: FactoryDefault, deps: Deps) -> MaintenanceResult:
    """Every setting back to factory default, shown on the status LED however it was asked for.

    Steady amber while the services restore (from the maintenance page, REST or VAPIX as from
    the control button, where io shows it already from the release). The manual says the reset
    is complete when the LED turns green, so green comes only once every service has restored
    its settings (red flashes when one could not), before the device restarts.
    """
    await _show(deps, RESETTING, "its start")
    return await _restore_everywhere(
        deps, RestoreScope.FACTORY_DEFAULT, MaintenanceAction.FACTORY_DEFAULT, _show_outcome
    )


async def factory_default_from_button(_event: ResetRequested, deps: Deps) -> None:
    """The control button was held at power-on: the same factory default as a command's."""
    await factory_default(FactoryDefault(), deps)


RESETTING = SetLed(colour=LedColour.AMBER)
RESET_DONE = SetLed(colour=LedColour.GREEN)
RESET_FAILED = SetLed(colour=LedColour.RED, pattern=LedPattern.FLASH)


async def _show_outcome(deps: Deps, result: MaintenanceResult) -> None:
    await _show(deps, RESET_FAILED if result.failed else RESET_DONE, "its end")


async def _show(deps: Deps, pattern: SetLed, what: str) -> None:
    """The LED is io's; a reset goes on without it."""
    try:
        await deps.bus.request(pattern)
    except BusError as exc:
        log.warning("factory default: could not show %s on the status LED: %s", what, exc.message)


async def restore_settings(command: RestoreSettings, deps: Deps) -> Ack:
    """The system service's own part: none of its settings is on the manual's keep-list."""
    await deps.store.reset_settings()
    deps.current.location = Location()
    await release_syslog_certificates(deps)
    deps.current.syslog_servers = []
    await update_time(deps, TimeSettings())
    await update_power(deps, PowerSettings())
    deps.upgrades.settings = UpgradeSettings()
    if command.scope is RestoreScope.FACTORY_DEFAULT:
        await deps.store.clear_logs()
        deps.system_log.clear()
        deps.access_log.clear()
    return Ack()


async def _restore_everywhere(
    deps: Deps,
    scope: RestoreScope,
    action: MaintenanceAction,
    before_restart: Callable[[Deps, MaintenanceResult], Awaitable[None]] | None = None,
) -> MaintenanceResult:
    async def one(service: str) -> str | None:
        try:
            await deps.bus.request(RestoreSettings(service=service, scope=scope), RESTORE_TIMEOUT_S)
        except BusError as exc:
            return exc.message
        return None

    owners = deps.settings_owners
    outcomes = await asyncio.gather(*(one(service) for service in owners))
    failed = {s: why for s, why in zip(owners, outcomes, strict=True) if why is not None}
    restored = [s for s, why in zip(owners, outcomes, strict=True) if why is None]
    label = action.value.replace("_", " ")
    note(deps, Severity.NOTICE, f"{label}: restored {', '.join(restored) or 'nothing'}")
    if failed:
        log.warning("%s: not restored: %s", label, failed)
    result = MaintenanceResult(action=action, restored=restored, failed=failed)
    if before_restart is not None:
        await before_restart(deps, result)
    await _restart_device(deps, action)
    return result


async def _restart_device(deps: Deps, action: MaintenanceAction) -> None:
    note(deps, Severity.NOTICE, f"restart requested ({action.value.replace('_', ' ')})")
    await deps.bus.publish(RestartRequested(action=action))
    await deps.power.restart(action.value)

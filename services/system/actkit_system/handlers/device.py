"""Identity, time and location, and delayed shutdown."""

from __future__ import annotations

import logging

from actkit_proto import Invalid
from actkit_proto.io import IgnitionChanged
from actkit_proto.system import (
    GetIdentity,
    GetLocation,
    GetPowerSettings,
    GetTimeSettings,
    GetTimeStatus,
    Identity,
    Location,
    PowerSettings,
    SetDateTime,
    SetLocation,
    SetPowerSettings,
    SetTimeSettings,
    Severity,
    ShutdownCountdownChanged,
    ShutdownRequested,
    ShutdownState,
    SyncMode,
    TimeSettings,
    TimeStatus,
    TimeZoneChanged,
    TimeZoneSource,
)
from actkit_system.domain.time import checked_time_settings, local_time, utc
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.logs import note

log = logging.getLogger(__name__)


async def get_identity(_command: GetIdentity, deps: Deps) -> Identity:
    installed = deps.upgrades.record.current
    if installed is None:
        return deps.identity
    return deps.identity.model_copy(
        update={"software_version": installed.version, "build": installed.build}
    )


async def get_time_settings(_command: GetTimeSettings, deps: Deps) -> TimeSettings:
    return deps.current.time


async def set_time_settings(command: SetTimeSettings, deps: Deps) -> TimeSettings:
    return await update_time(deps, command.settings)


async def update_time(deps: Deps, settings: TimeSettings) -> TimeSettings:
    """Check, store and apply time settings (from the page or from plain config)."""
    checked = checked_time_settings(settings)
    await deps.store.save(checked)
    deps.current.time = checked
    await _apply_time(deps)
    return checked


async def follow_dhcp_time_zone(deps: Deps) -> None:
    """Read the zone the DHCP lease offers; put it in force when it changed and is in use."""
    current = deps.current
    offered = await deps.dhcp.offered()
    if offered == current.dhcp_time_zone:
        return
    before = current.time_zone()
    current.dhcp_time_zone = offered
    if current.time.time_zone_source is not TimeZoneSource.DHCP:
        return
    if offered is not None and current.time_zone() != offered:
        note(deps, Severity.WARNING, f"DHCP offers the time zone {offered!r}, which this device "
             f"does not know; {current.time.time_zone} stays in force")  # fmt: skip
    if current.time_zone() != before:
        note(deps, Severity.NOTICE, f"time zone {current.time_zone()} from DHCP")
        await _apply_time(deps)


async def _apply_time(deps: Deps) -> None:
    zone = deps.current.time_zone()
    await deps.time.apply(deps.current.time, zone)
    await deps.syslog.configure(deps.current.syslog_servers, deps.current.hostname, zone)
    await announce_time_zone(deps)


async def announce_time_zone(deps: Deps) -> None:
    """Tell every service the zone in force when it is not the one they were last told."""
    zone = deps.current.time_zone()
    if zone != deps.current.announced_time_zone:
        await deps.bus.publish(TimeZoneChanged(time_zone=zone))
        deps.current.announced_time_zone = zone


async def get_time_status(_command: GetTimeStatus, deps: Deps) -> TimeStatus:
    settings = deps.current.time
    time_zone = deps.current.time_zone()
    now, offset_s, is_dst = local_time(deps.time.now(), time_zone)
    sync = await deps.time.status()
    return TimeStatus(
        now=now,
        time_zone=time_zone,
        time_zone_source=settings.time_zone_source,
        dhcp_time_zone=deps.current.dhcp_time_zone,
        utc_offset_s=offset_s,
        is_dst=is_dst,
        sync_mode=settings.sync_mode,
        is_synchronized=sync.is_synchronized,
        server=sync.server,
        offset_s=sync.offset_s,
        next_sync_s=sync.next_sync_s,
    )


async def set_date_time(command: SetDateTime, deps: Deps) -> TimeStatus:
    if deps.current.time.sync_mode is not SyncMode.CUSTOM:
        raise Invalid(
            "the clock is synchronised automatically; choose custom date and time "
            "(sync_mode custom) before setting it by hand"
        )
    await deps.time.set_clock(utc(command.at, deps.current.time_zone()))
    await advance_power(deps)
    return await get_time_status(GetTimeStatus(), deps)


async def get_location(_command: GetLocation, deps: Deps) -> Location:
    return deps.current.location


async def set_location(command: SetLocation, deps: Deps) -> Location:
    return await update_location(deps, command.location)


async def update_location(deps: Deps, location: Location) -> Location:
    """Store the device location (validated by its model)."""
    cleaned = location.model_copy(update={"label": location.label.strip()})
    await deps.store.save(cleaned)
    deps.current.location = cleaned
    return cleaned


async def get_power_settings(_command: GetPowerSettings, deps: Deps) -> PowerSettings:
    return deps.current.power


async def set_power_settings(command: SetPowerSettings, deps: Deps) -> PowerSettings:
    return await update_power(deps, command.settings)


async def update_power(deps: Deps, settings: PowerSettings) -> PowerSettings:
    """Store power settings; a running countdown follows them."""
    await deps.store.save(settings)
    deps.current.power = settings
    await publish_countdown(deps, deps.shutdown.configure(settings, deps.time.now()))
    return settings


async def follow_ignition(event: IgnitionChanged, deps: Deps) -> None:
    """Ignition off starts the countdown, ignition on cancels it."""
    await publish_countdown(deps, deps.shutdown.ignition(event.is_on, deps.time.now()))


async def advance_power(deps: Deps) -> None:
    """Let time pass for delayed shutdown: arming ends, a countdown runs out (called by a timer)."""
    await publish_countdown(deps, deps.shutdown.tick(deps.time.now()))


async def publish_countdown(deps: Deps, view: ShutdownCountdownChanged) -> None:
    """Publish the delayed shutdown state when it changed; shut down when it came to that."""
    if view == deps.current.countdown:
        return
    deps.current.countdown = view
    await deps.bus.publish(view)
    if view.state is ShutdownState.SHUTTING_DOWN:
        reason = f"ignition off for {deps.current.power.delay_min} min (delayed shutdown)"
        log.warning("shutting down: %s", reason)
        await deps.bus.publish(ShutdownRequested(reason=reason))
        await deps.power.shutdown(reason)

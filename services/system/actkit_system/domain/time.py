"""Time settings: validation, the chrony configuration they mean, and the clock as shown."""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from actkit_proto import Invalid
from actkit_proto.system import POLL_INTERVALS_S, SyncMode, TimeSettings, TimeZoneSource

_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name the device knows."""
    return frozenset(available_timezones())


def is_host(text: str) -> bool:
    """An IP address or a DNS host name."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        labels = text.rstrip(".").split(".")
        return len(text) <= 253 and all(_HOST_LABEL.match(label) for label in labels)
    return True


def checked_time_settings(settings: TimeSettings) -> TimeSettings:
    """The settings with servers trimmed, or the first problem as :class:`Invalid`."""
    lists = {
        "nts_ke_servers": settings.nts_ke_servers,
        "ntp_servers": settings.ntp_servers,
        "fallback_ntp_servers": settings.fallback_ntp_servers,
    }
    trimmed: dict[str, list[str]] = {}
    for field, servers in lists.items():
        cleaned = [server.strip() for server in servers if server.strip()]
        for server in cleaned:
            if not is_host(server):
                raise Invalid(f"{field}: {server!r} is neither an IP address nor a host name")
        if len(set(cleaned)) != len(cleaned):
            raise Invalid(f"{field}: the same server is given twice")
        trimmed[field] = cleaned
    if settings.sync_mode is SyncMode.NTS_KE and not trimmed["nts_ke_servers"]:
        raise Invalid("nts_ke_servers: give one or two NTS KE servers for secure NTP")
    if settings.sync_mode is SyncMode.NTP_MANUAL and not trimmed["ntp_servers"]:
        raise Invalid("ntp_servers: give one or two NTP servers")
    for field in ("min_poll_s", "max_poll_s"):
        if getattr(settings, field) not in POLL_INTERVALS_S:
            choices = ", ".join(str(value) for value in POLL_INTERVALS_S)
            raise Invalid(f"{field}: must be one of {choices} seconds")
    if settings.min_poll_s > settings.max_poll_s:
        raise Invalid(
            f"min_poll_s ({settings.min_poll_s} s) must not exceed "
            f"max_poll_s ({settings.max_poll_s} s)"
        )
    if settings.time_zone not in time_zones():
        raise Invalid(
            f"time_zone: {settings.time_zone!r} is not an IANA time zone "
            "(e.g. Europe/Stockholm, America/New_York, UTC)"
        )
    return settings.model_copy(update=trimmed)


def effective_time_zone(settings: TimeSettings, offered: str | None) -> str:
    """The zone in force: the one DHCP offers when the source is DHCP, else the manual one.

    DHCP offering nothing, or a name this device does not know, leaves the manual zone in force.

    >>> dhcp = TimeSettings(time_zone_source=TimeZoneSource.DHCP, time_zone="UTC")
    >>> effective_time_zone(dhcp, "Europe/Oslo"), effective_time_zone(dhcp, "Mars/Olympus")
    ('Europe/Oslo', 'UTC')
    >>> effective_time_zone(dhcp.model_copy(update={"time_zone_source": "manual"}), "Europe/Oslo")
    'UTC'
    """
    if settings.time_zone_source is TimeZoneSource.DHCP and offered in time_zones():
        return offered
    return settings.time_zone


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; UTC when the name is unknown here."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(now: datetime, time_zone: str) -> tuple[datetime, int, bool]:
    """``now`` in the zone, its UTC offset in seconds and whether daylight saving time is on."""
    local = now.astimezone(zone(time_zone))
    offset = local.utcoffset()
    dst = local.dst()
    return local, int(offset.total_seconds()) if offset else 0, bool(dst)


def chrony_config(settings: TimeSettings, dhcp_sources_dir: str) -> str:
    """The chrony configuration that carries out ``settings`` (``chrony.conf`` syntax)."""
    minpoll = settings.min_poll_s.bit_length() - 1
    maxpoll = settings.max_poll_s.bit_length() - 1
    polls = f"iburst minpoll {minpoll} maxpoll {maxpoll}"
    lines = ["# Written by actkit-system from System > Time and location; do not edit."]
    if settings.sync_mode is SyncMode.NTS_KE:
        lines += [f"server {server} {polls} nts" for server in settings.nts_ke_servers]
    elif settings.sync_mode is SyncMode.NTP_MANUAL:
        lines += [f"server {server} {polls}" for server in settings.ntp_servers]
    elif settings.sync_mode is SyncMode.NTP_DHCP:
        lines.append(f"sourcedir {dhcp_sources_dir}")
        lines += [f"server {server} {polls}" for server in settings.fallback_ntp_servers]
    else:
        lines.append("# custom date and time: no time sources")
    if settings.sync_mode is not SyncMode.CUSTOM:
        lines += ["makestep 1.0 3", "rtcsync"]
    return "\n".join(lines) + "\n"


def utc(at: datetime, time_zone: str) -> datetime:
    """``at`` in UTC; a time without a UTC offset is the local time of ``time_zone``."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(time_zone))
    return at.astimezone(UTC)

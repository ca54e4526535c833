"""Date, time, time zone and location."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Command, Event, Reply, Role

POLL_INTERVALS_S: tuple[int, ...] = tuple(2**exponent for exponent in range(4, 18))
"""The NTP poll times one may choose: 16 s to 131072 s (about 36 h), powers of two as NTP has."""


class SyncMode(StrEnum):
    """How the device's date and time are kept."""

    NTS_KE = "nts_ke"
    """Automatic, with the manual NTS key establishment servers (secure NTP)."""
    NTP_DHCP = "ntp_dhcp"
    """Automatic, with the NTP servers the DHCP server gives, and fallback servers."""
    NTP_MANUAL = "ntp_manual"
    """Automatic, with NTP servers of your choice."""
    CUSTOM = "custom"
    """Set by hand (or once from the browser's clock); not synchronised."""


class TimeZoneSource(StrEnum):
    """Where the time zone comes from."""

    DHCP = "dhcp"
    MANUAL = "manual"


class TimeSettings(Reply):
    """Date, time and time zone settings (System > Time and location)."""

    sync_mode: SyncMode = SyncMode.NTP_DHCP
    nts_ke_servers: list[str] = Field(default_factory=list, max_length=2)
    """NTS KE servers (host or IP), for ``nts_ke``."""
    ntp_servers: list[str] = Field(default_factory=list, max_length=2)
    """NTP servers (host or IP), for ``ntp_manual``."""
    fallback_ntp_servers: list[str] = Field(default_factory=list, max_length=2)
    """Used with ``ntp_dhcp`` when DHCP gives none."""
    min_poll_s: int = 64
    """One of :data:`POLL_INTERVALS_S`, at most ``max_poll_s``."""
    max_poll_s: int = 1024
    """One of :data:`POLL_INTERVALS_S`."""
    time_zone_source: TimeZoneSource = TimeZoneSource.MANUAL
    time_zone: str = "UTC"
    """IANA name (``Europe/Stockholm``); daylight saving time follows automatically."""


class GetTimeSettings(Command[TimeSettings]):
    """The date and time settings."""

    subject: ClassVar[str] = "system.time.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetTimeSettings(Command[TimeSettings]):
    """Change the date and time settings; applied to the clock at once."""

    subject: ClassVar[str] = "system.time.set"

    settings: TimeSettings


class TimeStatus(Reply):
    """The clock now, for the status page."""

    now: datetime
    """Device time, in its time zone."""
    time_zone: str
    """The zone in force: DHCP's when the source is DHCP and it offers a known one."""
    time_zone_source: TimeZoneSource = TimeZoneSource.MANUAL
    dhcp_time_zone: str | None = None
    """What the DHCP lease offers (option 101), whether in use or not."""
    utc_offset_s: int
    is_dst: bool
    sync_mode: SyncMode
    is_synchronized: bool
    server: str | None = None
    """The server it follows, when synchronised."""
    offset_s: float | None = None
    """Estimated offset from that server."""
    next_sync_s: float | None = None
    """Time until the next poll."""


class TimeZoneChanged(Event):
    """The device's time zone in force, at the system service's start and whenever it changes.

    Kept in the KV bucket: every service reads it at start and follows it as its local time
    (schedules, logs, templates, pages), so that the whole device keeps one clock.
    """

    subject: ClassVar[str] = "system.time.zone.changed"
    stateful: ClassVar[bool] = True
    is_for_every_service: ClassVar[bool] = True

    time_zone: str
    """IANA name of the zone in force (DHCP's or the manual one, as the settings say)."""


class GetTimeStatus(Command[TimeStatus]):
    """Whether the clock is synchronised, with which server and how well."""

    subject: ClassVar[str] = "system.time.status"
    required_role: ClassVar[Role] = Role.VIEWER


class SetDateTime(Command[TimeStatus]):
    """Set the clock by hand (custom date and time, or "get from system" with the browser's)."""

    subject: ClassVar[str] = "system.time.datetime.set"

    at: datetime
    """With a UTC offset; without one it is the device's local time, in the time zone in force
    (``2026-11-24T16:20:00`` is 16:20 wherever the device is set to be)."""


class CoordinateFormat(StrEnum):
    """How latitude and longitude are shown and entered."""

    DECIMAL_DEGREES = "decimal_degrees"
    DEGREES_MINUTES_SECONDS = "degrees_minutes_seconds"


class Location(Reply):
    """Where the device is, for a video management system's map."""

    format: CoordinateFormat = CoordinateFormat.DECIMAL_DEGREES
    latitude: float = Field(default=0.0, ge=-90, le=90)
    """Degrees; positive is north of the equator."""
    longitude: float = Field(default=0.0, ge=-180, le=180)
    """Degrees; positive is east of the prime meridian."""
    heading: float = Field(default=0.0, ge=0, lt=360)
    """Compass direction the device faces; 0 is due north."""
    label: str = Field(default="", max_length=64)


class GetLocation(Command[Location]):
    """The device location."""

    subject: ClassVar[str] = "system.location.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetLocation(Command[Location]):
    """Save the device location."""

    subject: ClassVar[str] = "system.location.set"

    location: Location

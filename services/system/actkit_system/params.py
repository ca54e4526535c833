"""The system service's own settings plain config shows: time, location, power, identity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError

from actkit_core.params import ParameterSpec
from actkit_proto import Invalid, Role
from actkit_proto.base import describe_validation_error
from actkit_proto.params import ParameterType, ParameterValue
from actkit_proto.system import (
    POLL_INTERVALS_S,
    CoordinateFormat,
    Identity,
    SyncMode,
    TimeZoneSource,
)

_POLLS = tuple(str(value) for value in POLL_INTERVALS_S)
_TEXT = ParameterType.STRING


def _choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


@dataclass(frozen=True)
class _Field:
    section: str
    field: str
    spec: ParameterSpec


def _field(section: str, name: str, spec: ParameterSpec) -> _Field:
    return _Field(section, name, spec)


_FIELDS: tuple[_Field, ...] = (
    _field("time", "sync_mode", ParameterSpec("Time", "SyncMode", ParameterType.ENUM,
           SyncMode.NTP_DHCP.value, _choices(SyncMode))),
    _field("time", "nts_ke_servers", ParameterSpec("Time.NTP", "NTSKEServers", _TEXT, "",
           description="One or two NTS KE servers, comma-separated")),
    _field("time", "ntp_servers", ParameterSpec("Time.NTP", "Servers", _TEXT, "",
           description="One or two NTP servers, comma-separated")),
    _field("time", "fallback_ntp_servers", ParameterSpec("Time.NTP", "FallbackServers", _TEXT,
           "", description="Fallback NTP servers with DHCP, comma-separated")),
    _field("time", "min_poll_s", ParameterSpec("Time.NTP", "MinPollS", ParameterType.ENUM,
           "64", _POLLS)),
    _field("time", "max_poll_s", ParameterSpec("Time.NTP", "MaxPollS", ParameterType.ENUM,
           "1024", _POLLS)),
    _field("time", "time_zone_source", ParameterSpec("Time", "TimeZoneSource",
           ParameterType.ENUM, TimeZoneSource.MANUAL.value, _choices(TimeZoneSource))),
    _field("time", "time_zone", ParameterSpec("Time", "TimeZone", _TEXT, "UTC",
           description="IANA time zone name")),
    _field("location", "format", ParameterSpec("Location", "Format", ParameterType.ENUM,
           CoordinateFormat.DECIMAL_DEGREES.value, _choices(CoordinateFormat))),
    _field("location", "latitude", ParameterSpec("Location", "Latitude", ParameterType.NUMBER,
           0.0, minimum=-90, maximum=90)),
    _field("location", "longitude", ParameterSpec("Location", "Longitude",
           ParameterType.NUMBER, 0.0, minimum=-180, maximum=180)),
    _field("location", "heading", ParameterSpec("Location", "Heading", ParameterType.NUMBER,
           0.0, minimum=0, maximum=359.999)),
    _field("location", "label", ParameterSpec("Location", "Label", _TEXT, "", maximum=64)),
    _field("power", "is_delayed_shutdown_on", ParameterSpec("Power", "DelayedShutdown",
           ParameterType.BOOLEAN, False)),
    _field("power", "delay_min", ParameterSpec("Power", "DelayMin", ParameterType.INTEGER, 5,
           minimum=1, maximum=60)),
)  # fmt: skip
_BY_KEY = {item.spec.key: item for item in _FIELDS}
_IDENTITY = {
    "Brand.ProdNbr": "model",
    "Brand.ProdFullName": "product_name",
    "Properties.System.SerialNumber": "serial_number",
    "Network.eth0.MACAddress": "mac_address",
    "Properties.Firmware.Version": "software_version",
    "Properties.Firmware.BuildId": "build",
}


def _to_parameter(value: Any) -> ParameterValue:
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, int) and not isinstance(value, bool) and value in POLL_INTERVALS_S:
        return str(value)
    assert isinstance(value, bool | int | float | str)
    return value


def _from_parameter(item: _Field, value: ParameterValue) -> Any:
    if item.field.endswith("_servers"):
        return [server.strip() for server in str(value).split(",") if server.strip()]
    if item.field.endswith("_poll_s"):
        return int(value)
    return value


Sections = Callable[[], Mapping[str, BaseModel]]
"""The sections in force: ``time``, ``location`` and ``power``."""
Update = Callable[[Any], Awaitable[object]]
"""Checks, stores and applies one section's new settings."""


class SystemParameters:
    """The system service's own settings (time, location, power, identity) as parameters.

    A set goes through ``updates``, one per section, in their order: the first may still refuse.
    """

    def __init__(
        self, sections: Sections, identity: Identity, updates: Mapping[str, Update]
    ) -> None:
        self._sections = sections
        self._identity = identity
        self._updates = updates

    @property
    def specs(self) -> Sequence[ParameterSpec]:
        identity = tuple(
            ParameterSpec(key.rsplit(".", 1)[0], key.rsplit(".", 1)[1], _TEXT,
                          is_writable=False, required_role=Role.VIEWER)
            for key in _IDENTITY
        )  # fmt: skip
        return tuple(item.spec for item in _FIELDS) + identity

    async def values(self) -> Mapping[str, ParameterValue | None]:
        sections = self._sections()
        values: dict[str, ParameterValue | None] = {
            key: _to_parameter(getattr(sections[item.section], item.field))
            for key, item in _BY_KEY.items()
        }
        for key, field in _IDENTITY.items():
            values[key] = getattr(self._identity, field)
        return values

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        sections = self._sections()
        updates: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            item = _BY_KEY[key]
            updates.setdefault(item.section, {})[item.field] = _from_parameter(item, value)
        changed: dict[str, BaseModel] = {}
        for section, fields in updates.items():
            current = sections[section]
            try:
                changed[section] = type(current).model_validate(current.model_dump() | fields)
            except ValidationError as exc:
                raise Invalid(describe_validation_error(exc)) from None
        for section, update in self._updates.items():
            if section in changed:
                await update(changed[section])

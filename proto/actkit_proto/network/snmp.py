"""The SNMP agent and its traps."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Self

from pydantic import Field, model_validator

from actkit_proto.base import Command, Reply, Role, read_only, write_only
from actkit_proto.network.common import Community, HostAddress


class SnmpVersion(StrEnum):
    """v1 and v2c share communities and traps; v3 uses the ``initial`` account."""

    V1_V2C = "v1_v2c"
    V3 = "v3"


class SnmpTraps(Reply):
    """Which traps are sent when traps are on."""

    cold_start: bool = True
    link_up: bool = True
    link_down: bool = True
    authentication_failed: bool = True


class SnmpSettings(Reply):
    """The SNMP agent; traps are turned off when SNMP is off or v3 is chosen."""

    is_enabled: bool = False
    version: SnmpVersion = SnmpVersion.V1_V2C
    read_community: Community | None = write_only()
    """Write only; until one is set the agent uses ``public``."""
    has_read_community: bool = read_only(False)
    """Read only."""
    write_community: Community | None = write_only()
    """Write only; until one is set the agent uses ``write``."""
    has_write_community: bool = read_only(False)
    """Read only."""
    are_traps_enabled: bool = False
    trap_address: HostAddress | None = None
    trap_community: Community | None = write_only()
    """Write only; until one is set traps are sent with ``public``."""
    has_trap_community: bool = read_only(False)
    """Read only."""
    traps: SnmpTraps = Field(default_factory=SnmpTraps)
    has_v3_password: bool = read_only(False)
    """Read only: the ``initial`` account's password has been set (it can be set only once)."""

    @model_validator(mode="after")
    def _traps_need_an_address(self) -> Self:
        is_v2c_trapping = self.is_enabled and self.version is SnmpVersion.V1_V2C
        if self.are_traps_enabled and is_v2c_trapping and self.trap_address is None:
            raise ValueError("traps need a trap address (the management server)")
        return self


class GetSnmp(Command[SnmpSettings]):
    """Read the SNMP settings."""

    subject: ClassVar[str] = "network.snmp.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetSnmp(Command[SnmpSettings]):
    """Store and apply the SNMP settings; answers with them as stored."""

    subject: ClassVar[str] = "network.snmp.set"
    settings: SnmpSettings


class SetSnmpV3Password(Command[SnmpSettings]):
    """Set the password of the SNMP v3 account ``initial``; possible once until factory reset."""

    subject: ClassVar[str] = "network.snmp.v3-password.set"
    password: str = Field(min_length=8, max_length=64, description="At least 8 characters.")

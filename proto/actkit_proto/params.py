"""Plain config: every service serves its settings as parameters in one shape, on its own subjects.

Each owner answers ``{service}.params.list`` and ``{service}.params.set`` (``{service}`` is its
name, as in :mod:`actkit_proto.service`) and validates what is set; ``{service}.settings.restore``
puts its settings back to defaults. The system service gathers every owner's parameters into the
one tree the plain config page and VAPIX ``param.cgi`` show, and routes a set to the owner.

A parameter is addressed by its key ``<group>.<name>`` (``Time.NTP.MaxPollS``); groups are
dotted, start with a capital letter and are unique to one owner across the device.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.base import Ack, Command, Reply, Role

ParameterValue = bool | int | float | str
"""A parameter's value on the wire. Owners accept strings too (``"yes"``, ``"60"``) and convert."""


class ParameterType(StrEnum):
    """How a parameter's value is written and checked."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    ENUM = "enum"
    """One of ``allowed_values``."""
    PASSWORD = "password"
    """Write-only: its value is never shown (listed as ``None``)."""


class Parameter(BaseModel):
    """One setting of one service, as plain config shows it."""

    model_config = ConfigDict(frozen=True)

    service: str
    """The owner, which validates and applies a change."""
    group: str
    """Dotted group, e.g. ``Time.NTP``."""
    name: str
    """Name within the group, e.g. ``MaxPollS``."""
    type: ParameterType
    value: ParameterValue | None
    """The current value; ``None`` when unset or write-only."""
    default: ParameterValue | None = None
    """The factory default value."""
    allowed_values: list[str] = Field(default_factory=list)
    """For ``enum``: every value it may take."""
    minimum: float | None = None
    """For numbers: the least value, inclusive; for strings: the least length."""
    maximum: float | None = None
    """For numbers: the greatest value, inclusive; for strings: the greatest length."""
    is_writable: bool = True
    required_role: Role = Role.ADMINISTRATOR
    """The least role that may change it."""
    is_kept_on_restore: bool = False
    """Survives a restore (the manual's list: boot protocol, static IP, router, subnet mask,
    802.1X, O3C, DNS server); a factory default resets it anyway."""
    description: str = ""

    @property
    def key(self) -> str:
        """``<group>.<name>``, how a set addresses it."""
        return f"{self.group}.{self.name}"


class ParameterList(Reply):
    """Parameters, sorted by key."""

    parameters: list[Parameter]


class ListParameters(Command[ParameterList]):
    """Every parameter a service serves, with its current value."""

    subject: ClassVar[str] = "{service}.params.list"
    required_role: ClassVar[Role] = Role.VIEWER

    service: str


class SetParameters(Command[ParameterList]):
    """Change parameters of one service, all or none; replies with the changed parameters.

    Each parameter's own ``required_role`` is checked against the actor by the owner.
    """

    subject: ClassVar[str] = "{service}.params.set"
    required_role: ClassVar[Role] = Role.OPERATOR

    service: str
    values: dict[str, ParameterValue]
    """Key (``<group>.<name>``) to new value."""


class RestoreScope(StrEnum):
    """How far a service goes back to its defaults."""

    RESTORE = "restore"
    """Everything but what the manual keeps (``is_kept_on_restore``)."""
    FACTORY_DEFAULT = "factory_default"
    """Everything."""


class RestoreSettings(Command[Ack]):
    """Put a service's settings and data back to defaults (sent by system's maintenance)."""

    subject: ClassVar[str] = "{service}.settings.restore"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    service: str
    scope: RestoreScope

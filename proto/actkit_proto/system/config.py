"""Plain config: every service's parameters in one place."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from actkit_proto.base import Command, Role
from actkit_proto.params import ParameterList, ParameterValue


class ListPlainConfig(Command[ParameterList]):
    """Every service's parameters in one tree; services that do not answer are left out."""

    subject: ClassVar[str] = "system.config.list"
    required_role: ClassVar[Role] = Role.VIEWER

    group: str | None = None
    """Only parameters whose group is this one or below it (``Time`` includes ``Time.NTP``)."""


class SetPlainConfig(Command[ParameterList]):
    """Set parameters of any services; each owner validates and applies its own.

    Values are grouped by owner; each owner's set is all-or-nothing.
    """

    subject: ClassVar[str] = "system.config.set"
    required_role: ClassVar[Role] = Role.OPERATOR

    values: dict[str, ParameterValue] = Field(min_length=1)
    """Key (``<group>.<name>``) to new value."""

"""An app's own settings, checked against the JSON Schema its manifest gives.

They reach the app on the bus as a kept event it reads at start and follows.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field, field_validator

from actkit_proto.base import Command, Event, Reply, Role
from actkit_proto.system.apps import APP_NAME_PATTERN

MAX_SETTINGS_BYTES = 16_384


def _bounded(values: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(values)) > MAX_SETTINGS_BYTES:
        raise ValueError(f"an app's settings take at most {MAX_SETTINGS_BYTES} bytes as JSON")
    return values


class AppSettingsValues(Reply):
    """An app's settings as they are in force, and the schema that describes them."""

    name: str
    values: dict[str, Any]
    settings_schema: dict[str, Any] = Field(default_factory=dict)
    """The manifest's JSON Schema, from which the dashboard makes the app's form."""


class GetAppSettings(Command[AppSettingsValues]):
    """An app's settings (the manifest's defaults until set)."""

    subject: ClassVar[str] = "system.app.{name}.settings.get"
    required_role: ClassVar[Role] = Role.VIEWER

    name: str = Field(pattern=APP_NAME_PATTERN)


class SetAppSettings(Command[AppSettingsValues]):
    """Replace an app's settings; refused, naming the value, unless its schema accepts them."""

    subject: ClassVar[str] = "system.app.{name}.settings.set"

    name: str = Field(pattern=APP_NAME_PATTERN)
    values: dict[str, Any]

    _values = field_validator("values")(_bounded)


class AppSettingsChanged(Event):
    """An app's settings, kept on the bus: the app reads the last one at start and follows."""

    subject: ClassVar[str] = "system.app.{name}.settings.changed"
    stateful: ClassVar[bool] = True

    name: str = Field(pattern=APP_NAME_PATTERN)
    values: dict[str, Any]

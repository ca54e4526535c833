"""Serve fields of an owner's settings models as parameters, writing through its own set commands.

Many owners keep settings as pydantic sections (``HttpSettings``, ``BeaconSettings``…) with a get
and a set command each. :class:`SectionParameters` maps a parameter to one field of one section:
it reads each section once for a listing and, for a set, builds the changed section, validates it
with the section's own model, and hands it to the owner's set path, so there is no second
validation::

    SectionParameters(
        [FieldParameter(ParameterSpec("Network.HTTP", "Port", ParameterType.INTEGER),
                        "http", "http_port")],
        {"http": Section(read=lambda: get_http(GetHttp(), deps),
                         write=lambda s: set_http(SetHttp(settings=s), deps))},
    )
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError

from actkit_core.params import ParameterSpec
from actkit_proto import Invalid
from actkit_proto.base import describe_validation_error
from actkit_proto.params import ParameterValue


@dataclass(frozen=True)
class Section:
    """How to read one settings model of the owner and write a changed one back."""

    read: Callable[[], Awaitable[BaseModel]]
    write: Callable[[Any], Awaitable[object]]
    """Store and apply the whole section through the owner's set path; it may refuse."""


@dataclass(frozen=True)
class FieldParameter:
    """One parameter that is one field of one section."""

    spec: ParameterSpec
    section: str
    field: str


def to_parameter(value: Any) -> ParameterValue | None:
    """A field as plain config shows it: lists comma-separated, enums and addresses as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ",".join(str(to_parameter(item)) for item in value)
    return str(value)


class SectionParameters:
    """A :class:`~actkit_core.params.ParameterSource` over fields of settings sections."""

    def __init__(self, fields: Sequence[FieldParameter], sections: Mapping[str, Section]) -> None:
        self._fields = {field.spec.key: field for field in fields}
        self._sections = sections

    @property
    def specs(self) -> Sequence[ParameterSpec]:
        """One per field."""
        return tuple(field.spec for field in self._fields.values())

    async def values(self) -> Mapping[str, ParameterValue | None]:
        """Each field's current value, reading each section once."""
        models = {name: await self._sections[name].read() for name in self._used()}
        return {
            key: to_parameter(getattr(models[field.section], field.field))
            for key, field in self._fields.items()
        }

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        """Validate every changed section with its model, then write each through the owner.

        Raises:
            Invalid: a section's model refuses the change (nothing is written then).
        """
        updates: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            target = self._fields[key]
            updates.setdefault(target.section, {})[target.field] = value
        changed: dict[str, BaseModel] = {}
        for name, fields in updates.items():  # every section is checked before any is written
            current = await self._sections[name].read()
            merged = current.model_dump()
            for name_in_model, value in fields.items():
                merged[name_in_model] = _from_parameter(current, name_in_model, value)
            try:
                changed[name] = type(current).model_validate(merged)
            except ValidationError as exc:
                raise Invalid(describe_validation_error(exc)) from None
        for name, model in changed.items():
            await self._sections[name].write(model)

    def _used(self) -> list[str]:
        return sorted({field.section for field in self._fields.values()})


def _from_parameter(model: BaseModel, field: str, value: ParameterValue) -> Any:
    if isinstance(getattr(model, field), list | tuple):
        return [item.strip() for item in str(value).split(",") if item.strip()]
    if value == "" and type(model).model_fields[field].default is None:
        return None
    return value

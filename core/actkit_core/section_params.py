"""Serve fields of an owner's settings models as parameters, writing through its own set commands.

Many owners keep settings as pydantic sections (``HttpSettings``, ``BeaconSettings``…) with a get
and a set command each. :func:`field_parameter` maps a parameter to one field of one section,
taking its type, allowed values, limits and default from the field itself (the contract says them
once); :class:`SectionParameters` reads each section once for a listing and, for a set, builds the
changed section, validates it with the section's own model, and hands it to the owner's set path,
so there is no second validation::

    SectionParameters(
        [field_parameter("Network.HTTP", "Port", "http", HttpSettings, "http_port")],
        {"http": Section(read=lambda: get_http(GetHttp(), deps),
                         write=lambda s: set_http(SetHttp(settings=s), deps))},
    )

:func:`parameter_spec` is the same mapping for an owner that serves its parameters itself.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from actkit_core.params import ParameterSpec
from actkit_proto import Invalid
from actkit_proto.base import describe_validation_error
from actkit_proto.params import ParameterType, ParameterValue

_SCALARS: Mapping[type, ParameterType] = {
    bool: ParameterType.BOOLEAN,
    int: ParameterType.INTEGER,
    float: ParameterType.NUMBER,
}


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


def parameter_spec(
    group: str,
    name: str,
    model: type[BaseModel],
    field: str,
    *,
    choices: Iterable[object] = (),
    shown_as: ParameterType | None = None,
    **presentation: Any,
) -> ParameterSpec:
    """How ``field`` of ``model`` appears in plain config, as the field says it.

    The type follows the annotation (``bool``, ``int``, ``float``, an enum or ``Literal`` as a
    choice, a list as comma-separated text, anything else as text); the limits follow its
    constraints (``ge``/``le``, and ``gt``/``lt`` of whole numbers, for numbers; ``min_length``
    and ``max_length`` for text, where an optional text may also be empty); the default is the
    model's. A read-only parameter has neither limits nor a default, nor has a password a
    default.

    Args:
        group: the parameter's group (``Network.HTTP``).
        name: the parameter's name in its group (``Port``).
        model: the settings model the field belongs to.
        field: the field's name in the model.
        choices: the allowed values when the model checks them without its annotation saying
            so (a validator over a constant of the contract); they make the parameter a choice.
        shown_as: another type to show it as (a password).
        presentation: the rest of :class:`ParameterSpec` (roles, description, ...); a limit
            given here is used instead of the field's (one the contract cannot say).
    """
    info = model.model_fields[field]
    annotation, constraints, is_optional = _unwrapped(info.annotation)
    kind, allowed = _kind(annotation)
    if choices:
        kind, allowed = ParameterType.ENUM, tuple(str(choice) for choice in choices)
    limits = _limits([*info.metadata, *constraints], kind, annotation is str, is_optional)
    default = info.get_default(call_default_factory=True)
    shown = None if default is PydanticUndefined else _shown(kind, default)
    kind = shown_as or kind
    if not presentation.get("is_writable", True):
        limits, shown = {}, None
    if kind is ParameterType.PASSWORD:
        shown = None
    return ParameterSpec(
        group, name, kind, **{"default": shown, "allowed_values": allowed, **limits, **presentation}
    )


def field_parameter(
    group: str,
    name: str,
    section: str,
    model: type[BaseModel],
    field: str,
    **details: Any,
) -> FieldParameter:
    """A parameter for ``field`` of the section named ``section``; see :func:`parameter_spec`.

    A section's optional text is empty when it has none (an empty value sets it to none), so
    that is its default.
    """
    spec = parameter_spec(group, name, model, field, **details)
    if spec.type is ParameterType.STRING and spec.default is None and spec.is_writable:
        spec = replace(spec, default="")
    return FieldParameter(spec, section, field)


def _unwrapped(annotation: Any) -> tuple[Any, list[object], bool]:
    """The annotation without ``None`` and ``Annotated``, the constraints inside, if optional."""
    constraints: list[object] = []
    is_optional = False
    while True:
        arguments = get_args(annotation)
        if get_origin(annotation) is Annotated:
            annotation = arguments[0]
            for extra in arguments[1:]:
                constraints += getattr(extra, "metadata", [extra])
            continue
        others = [argument for argument in arguments if argument is not type(None)]
        if get_origin(annotation) in (Union, types.UnionType) and len(others) == 1:
            annotation, is_optional = others[0], True
            continue
        return annotation, constraints, is_optional


def _kind(annotation: Any) -> tuple[ParameterType, tuple[str, ...]]:
    if get_origin(annotation) is Literal:
        return ParameterType.ENUM, tuple(str(to_parameter(value)) for value in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return ParameterType.ENUM, tuple(str(member.value) for member in annotation)
    return _SCALARS.get(annotation, ParameterType.STRING), ()


def _limits(
    constraints: Iterable[object], kind: ParameterType, is_text: bool, is_optional: bool
) -> dict[str, float]:
    """The field's bounds that a parameter's inclusive minimum and maximum can say."""
    limits: dict[str, float] = {}
    step = 1 if kind is ParameterType.INTEGER else None
    for constraint in constraints:
        if isinstance(constraint, annotated_types.Ge):
            limits["minimum"] = float(constraint.ge)  # type: ignore[arg-type]
        elif isinstance(constraint, annotated_types.Le):
            limits["maximum"] = float(constraint.le)  # type: ignore[arg-type]
        elif isinstance(constraint, annotated_types.Gt) and step:
            limits["minimum"] = float(constraint.gt) + step  # type: ignore[arg-type]
        elif isinstance(constraint, annotated_types.Lt) and step:
            limits["maximum"] = float(constraint.lt) - step  # type: ignore[arg-type]
        elif isinstance(constraint, annotated_types.MinLen) and is_text and not is_optional:
            limits["minimum"] = constraint.min_length
        elif isinstance(constraint, annotated_types.MaxLen) and is_text:
            limits["maximum"] = constraint.max_length
    return limits


def _shown(kind: ParameterType, value: Any) -> ParameterValue | None:
    shown = to_parameter(value)
    return str(shown) if kind is ParameterType.ENUM and shown is not None else shown


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
            key: _shown(field.spec.type, getattr(models[field.section], field.field))
            for key, field in self._fields.items()
        }

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        """Validate every changed section with its model, then write each through the owner.

        The sections are written in the order they were given: the first may still refuse.

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
        for name in self._sections:
            if name in changed:
                await self._sections[name].write(changed[name])

    def _used(self) -> list[str]:
        return sorted({field.section for field in self._fields.values()})


def _from_parameter(model: BaseModel, field: str, value: ParameterValue) -> Any:
    if isinstance(getattr(model, field), list | tuple):
        return [item.strip() for item in str(value).split(",") if item.strip()]
    if value == "" and type(model).model_fields[field].default is None:
        return None
    return value

"""Serve a service's settings as plain-config parameters: declare specs, read and write values.

An owner describes its settings as :class:`ParameterSpec` and gives a :class:`ParameterSource`
(read the current values, apply a validated change); :func:`parameter_handlers` then answers
``{service}.params.list`` and ``{service}.params.set``, converting and checking every value
(type, allowed values, range, writability, the actor's role) before the owner sees it, and listing
a parameter only to the roles that may read it;
:func:`restore_defaults` serves a simple owner's ``{service}.settings.restore``::

    HANDLERS = {..., **parameter_handlers(lambda deps: deps.parameters)}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from actkit_core.bus import Handler
from actkit_proto.base import Actor, Message, Role
from actkit_proto.errors import Forbidden, Invalid, NotFound
from actkit_proto.params import (
    ListParameters,
    Parameter,
    ParameterList,
    ParameterType,
    ParameterValue,
    RestoreScope,
    SetParameters,
)

D = TypeVar("D")

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


@dataclass(frozen=True)
class ParameterSpec:
    """How one setting appears in plain config; see :class:`actkit_proto.params.Parameter`."""

    group: str
    name: str
    type: ParameterType
    default: ParameterValue | None = None
    allowed_values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    is_writable: bool = True
    required_role: Role = Role.ADMINISTRATOR
    is_kept_on_restore: bool = False
    description: str = ""
    read_role: Role = Role.VIEWER
    """The least role it is listed to: above viewer for a setting the owner's own read keeps
    from lower roles (brute-force limits), so that plain config does not show it to them."""

    @property
    def key(self) -> str:
        """``<group>.<name>``."""
        return f"{self.group}.{self.name}"

    def convert(self, raw: ParameterValue) -> ParameterValue:
        """The value ``raw`` means for this parameter.

        Raises:
            Invalid: it is of the wrong type, not allowed, or out of range; the message says so.
        """
        value = self._typed(raw)
        if self.type is ParameterType.ENUM and str(value) not in self.allowed_values:
            raise Invalid(f"{self.key}: must be one of {', '.join(self.allowed_values)}")
        size = len(value) if isinstance(value, str) else value
        if isinstance(size, bool):
            return value
        noun = " characters" if isinstance(value, str) else ""
        if self.minimum is not None and size < self.minimum:
            raise Invalid(f"{self.key}: must be at least {self.minimum:g}{noun}, got {raw!r}")
        if self.maximum is not None and size > self.maximum:
            raise Invalid(f"{self.key}: must be at most {self.maximum:g}{noun}, got {raw!r}")
        return value

    def _typed(self, raw: ParameterValue) -> ParameterValue:
        text = str(raw).strip()
        if self.type is ParameterType.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            if text.lower() in _TRUE | _FALSE:
                return text.lower() in _TRUE
            raise Invalid(f"{self.key}: must be yes or no, got {raw!r}")
        if self.type is ParameterType.INTEGER:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise Invalid(f"{self.key}: must be a whole number, got {raw!r}")
            try:
                return int(raw) if isinstance(raw, int | float) else int(text)
            except ValueError:
                raise Invalid(f"{self.key}: must be a whole number, got {raw!r}") from None
        if self.type is ParameterType.NUMBER:
            if isinstance(raw, bool):
                raise Invalid(f"{self.key}: must be a number, got {raw!r}")
            try:
                return float(raw)
            except ValueError:
                raise Invalid(f"{self.key}: must be a number, got {raw!r}") from None
        if isinstance(raw, bool):
            return "yes" if raw else "no"
        return str(raw)

    def describe(self, service: str, value: ParameterValue | None) -> Parameter:
        """The parameter as the bus shows it."""
        return Parameter(
            service=service,
            group=self.group,
            name=self.name,
            type=self.type,
            value=None if self.type is ParameterType.PASSWORD else value,
            default=None if self.type is ParameterType.PASSWORD else self.default,
            allowed_values=list(self.allowed_values),
            minimum=self.minimum,
            maximum=self.maximum,
            is_writable=self.is_writable,
            required_role=self.required_role,
            is_kept_on_restore=self.is_kept_on_restore,
            description=self.description,
        )


class ParameterSource(Protocol):
    """What an owner provides to serve its settings as parameters."""

    @property
    def specs(self) -> Sequence[ParameterSpec]:
        """Every parameter it serves."""

    async def values(self) -> Mapping[str, ParameterValue | None]:
        """Current value of each parameter, by key."""

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        """Store and apply converted values, all or none.

        Raises:
            Invalid: the combination is not allowed (e.g. min poll above max poll).
        """


async def list_parameters(
    service: str, source: ParameterSource, actor: Actor | None = None
) -> ParameterList:
    """Every parameter of ``source`` that ``actor`` may read, with its value, sorted by key.

    Without an actor (a service asking for itself) every parameter is listed.
    """
    values = await source.values()
    described = [
        spec.describe(service, values.get(spec.key))
        for spec in source.specs
        if actor is None or actor.role >= spec.read_role
    ]
    return ParameterList(parameters=sorted(described, key=lambda parameter: parameter.key))


async def set_parameters(command: SetParameters, source: ParameterSource) -> ParameterList:
    """Check and convert each value, apply them together, reply with the changed parameters.

    Raises:
        NotFound: a key is not a parameter of this service.
        Invalid: a value is wrong, or the parameter is read-only.
        Forbidden: the actor's role is below a parameter's.
    """
    specs = {spec.key: spec for spec in source.specs}
    changes: dict[str, ParameterValue] = {}
    for key, raw in command.values.items():
        spec = specs.get(key)
        if spec is None:
            raise NotFound(f"{command.service} has no parameter {key}")
        if not spec.is_writable:
            raise Invalid(f"{key} is read-only")
        actor = command.actor
        if actor is not None and actor.role < spec.required_role:
            raise Forbidden(
                f"{actor.name} is {actor.role.name.lower()}; "
                f"{key} needs {spec.required_role.name.lower()}"
            )
        changes[key] = spec.convert(raw)
    if changes:
        await source.apply(changes)
    values = await source.values()
    return ParameterList(
        parameters=[
            specs[key].describe(command.service, values.get(key)) for key in sorted(changes)
        ]
    )


async def restore_defaults(source: ParameterSource, scope: RestoreScope) -> None:
    """Put every writable parameter back to its default; a restore keeps the kept ones."""
    await source.apply(
        {
            spec.key: spec.default
            for spec in source.specs
            if spec.is_writable
            and spec.default is not None
            and (scope is RestoreScope.FACTORY_DEFAULT or not spec.is_kept_on_restore)
        }
    )


def parameter_handlers(
    source_of: Callable[[D], ParameterSource],
) -> dict[type[Message], Handler[D]]:
    """Handlers for ``{service}.params.list`` and ``.set``, to merge into a handler table."""

    async def list_handler(command: ListParameters, deps: D) -> ParameterList:
        return await list_parameters(command.service, source_of(deps), command.actor)

    async def set_handler(command: SetParameters, deps: D) -> ParameterList:
        return await set_parameters(command, source_of(deps))

    handlers: dict[type[Message], Any] = {
        ListParameters: list_handler,
        SetParameters: set_handler,
    }
    return handlers

"""Message base classes: every bus message is a pydantic model that declares its subject.

A subject is a template such as ``io.port.{port_id}.set``. The placeholders name fields of the
message; they are filled in when sending and read back from the subject when receiving, so an id
that integrators filter on travels in the subject and the subject is authoritative.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from enum import IntEnum
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError, from_json

from actkit_proto.errors import Invalid

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
STRICT = {"refuse_unknown_fields": True}
"""Validation context under which every message model, nested ones included, refuses a field it
does not have (see :meth:`Message.from_wire`)."""
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]+$")


@functools.cache
def _fields(template: str) -> tuple[str, ...]:
    return tuple(_PLACEHOLDER.findall(template))


@functools.cache
def _placeholders(template: str) -> tuple[tuple[int, str], ...]:
    """Each token of a subject template that is a placeholder: its position and its field.

    Worked out once per template: every message received reads its ids back from its subject.
    """
    return tuple(
        (position, match.group(1))
        for position, part in enumerate(template.split("."))
        if (match := _PLACEHOLDER.fullmatch(part))
    )


MAX_ROW_ID = 2**31 - 1
"""The largest id of a row an owner numbers (rules, recipients, schedules ...): far above any
count, an int32 for every client, and far below SQLite's 2**63 - 1, where a larger id overflowed."""
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


def read_only(default: Any, *, description: str | None = None) -> Any:
    """A field an owner fills in and a person cannot set (``has_*`` flags, warnings).

    It is marked ``readOnly`` in the schemas, and a set that leaves it out is whole.
    """
    return Field(default=default, description=description, json_schema_extra={"readOnly": True})


def write_only(**constraints: Any) -> Any:
    """A secret: stored, never answered, kept when a set leaves it out (or ``None``).

    It is marked ``writeOnly`` in the schemas, a set that leaves it out is whole, and it is
    serialized only when it has a value: a reply, which never carries one, leaves it out.
    """
    return Field(default=None, **WRITE_ONLY, **constraints)


WRITE_ONLY: dict[str, Any] = {
    "json_schema_extra": {"writeOnly": True},
    "exclude_if": lambda value: value is None,
}
"""What makes a field write-only (see :func:`write_only`), for fields declared otherwise."""


def is_settable(field: FieldInfo) -> bool:
    """Whether a set must name ``field``: neither :func:`read_only` nor :func:`write_only`."""
    extra = field.json_schema_extra
    return not (isinstance(extra, dict) and (extra.get("readOnly") or extra.get("writeOnly")))


def missing_fields(model: type[BaseModel], data: Mapping[str, Any], where: str = "") -> list[str]:
    """The settable fields of ``model`` that ``data`` leaves out, nested models' included.

    >>> from actkit_proto.network import WlanSettings
    >>> data = {"ssid": None, "is_hidden": False, "ipv4": {"is_dhcp": True}}
    >>> missing_fields(WlanSettings, data)  # doctest: +NORMALIZE_WHITESPACE
    ['security', 'eap_method', 'eap_identity', 'client_certificate', 'ca_certificates',
     'ipv4.address', 'ipv4.subnet_mask', 'ipv4.router', 'ipv4.has_fallback', 'ipv6']
    """
    missing = []
    for name, field in model.model_fields.items():
        if name not in data:
            missing += [f"{where}{name}"] if is_settable(field) else []
            continue
        inner = _model_in(field.annotation)
        values = data[name] if isinstance(data[name], list) else [data[name]]
        for index, value in enumerate(values):
            if inner is not None and isinstance(value, Mapping):
                at = (
                    f"{where}{name}[{index}]."
                    if isinstance(data[name], list)
                    else f"{where}{name}."
                )
                missing += missing_fields(inner, value, at)
    return missing


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (``X``, ``X | None``, ``list[X]``), if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    models = [found for arg in get_args(annotation) if (found := _model_in(arg)) is not None]
    return models[0] if len(models) == 1 else None


class Role(IntEnum):
    """Who may do what, ordered so that a higher role includes every lower one."""

    VIEWER = 1
    OPERATOR = 2
    ADMINISTRATOR = 3


INTEGRATOR_ROLE = Role.OPERATOR
"""What the ``integrator`` NATS user may do: the server lends it only the commands of this role or
below, and an owner takes any actor it names as having at most this role."""
INTEGRATOR = "integrator"
"""The actor of an integrator's command that names none."""


class Actor(BaseModel):
    """The authenticated person on whose behalf a command is sent (set by the web service)."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: Role


class Message(BaseModel):
    """Base of every bus message; subclasses declare ``subject``."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subject: ClassVar[str]
    """Subject template, e.g. ``io.port.{port_id}.changed``; placeholders name fields."""

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_fields(cls, data: Any, info: ValidationInfo) -> Any:
        """Under :data:`STRICT`, name the fields that the model does not have, and the ones it has.

        A settings group is both what an owner answers (read leniently, so that a newer owner's
        extra field does not break an older reader) and what a person sends (where a misspelt
        field would leave the setting it meant at its default): the context tells them apart.
        """
        if not (info.context or {}).get("refuse_unknown_fields") or not isinstance(data, dict):
            return data
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise PydanticCustomError(
                "unknown_fields",
                "unknown field {unknown} (known: {known})",
                {"unknown": ", ".join(unknown), "known": ", ".join(cls.model_fields)},
            )
        return data

    @classmethod
    def subject_fields(cls) -> tuple[str, ...]:
        """The fields that travel in the subject, in order."""
        return _fields(cls.subject)

    @classmethod
    def subject_pattern(cls, **fixed: str) -> str:
        """The subject with each placeholder not in ``fixed`` replaced by the wildcard ``*``."""
        return _PLACEHOLDER.sub(lambda match: fixed.get(match.group(1), "*"), cls.subject)

    @classmethod
    def owner(cls) -> str:
        """The service that owns the message: its module (or package) under ``actkit_proto``."""
        parts = cls.__module__.split(".")
        return parts[1] if parts[0] == "actkit_proto" and len(parts) > 1 else parts[-1]

    @classmethod
    def is_lent_to_integrators(cls) -> bool:
        """Whether the ``integrator`` NATS user may use it: not the simulator's (docs/bus.md)."""
        return not cls.subject.startswith("sim.")

    def served_by(self) -> str:
        """Who answers it: the service named in its subject (``{service}.…``), else its owner.

        >>> from actkit_proto.params import ListParameters
        >>> ListParameters(service="io").served_by()
        'io'
        """
        service = getattr(self, "service", None)
        if isinstance(service, str) and "{service}" in self.subject:
            return service
        return self.owner()

    def to_subject(self) -> str:
        """The concrete subject of this message."""
        values = {name: str(getattr(self, name)) for name in self.subject_fields()}
        for name, value in values.items():
            if not _TOKEN.match(value):
                raise Invalid(f"{name} {value!r} cannot be used in a subject")
        return self.subject.format(**values)

    def to_wire(self) -> bytes:
        """The JSON payload."""
        return self.model_dump_json().encode()

    @classmethod
    def from_wire(cls, subject: str, data: bytes) -> Self:
        """Decode and validate a received payload; ids in the subject win over the body.

        Raises:
            Invalid: the payload is not JSON, not an object, or fails validation; the message
                says which field and why, in words a person can act on.
        """
        try:
            body: Any = from_json(data) if data.strip() else {}
        except ValueError:
            body = _loads(data)
        if not isinstance(body, dict):
            raise Invalid("payload must be a JSON object")
        placeholders = _placeholders(cls.subject)
        if placeholders:
            tokens = subject.split(".")
            for position, name in placeholders:
                if position < len(tokens):
                    body[name] = tokens[position]
        try:
            return cls.model_validate(body, context=STRICT if issubclass(cls, Command) else None)
        except ValidationError as exc:
            raise Invalid(describe_validation_error(exc)) from None


def _loads(data: bytes) -> Any:
    """``data`` as :mod:`json` reads it, once pydantic's reader has refused it.

    pydantic's reader takes half the time json takes, and reads every message; what it refuses
    (UTF-16, a byte order mark, a lone surrogate) json takes as before, and a payload neither
    takes is refused in json's words.
    """
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"payload is not JSON: {exc}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """One readable sentence per problem, e.g. ``duration_ms: must be at most 3600000``."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "payload"
        said = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        problems.append(f"{where}: {said}")
    return "; ".join(problems)


class Reply(Message):
    """The answer to a command; never published on its own subject."""

    subject: ClassVar[str] = ""


ReplyT = TypeVar("ReplyT", bound=Reply)


class Command(Message, Generic[ReplyT]):
    """A request that something be done or told, answered with ``ReplyT``.

    Declare the reply as the type argument: ``class SetPort(Command[PortReply])``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    """A field the command does not have is refused, not ignored: a misspelt one would otherwise
    leave the setting it meant at its default (replies and events stay lenient, so that a newer
    service's extra field does not break an older reader during a rollout)."""

    reply_type: ClassVar[type[Reply]]
    required_role: ClassVar[Role] = Role.ADMINISTRATOR
    """The least role an actor needs; internal calls without an actor are trusted by NATS."""

    internal_for: ClassVar[tuple[str, ...]] = ()
    """When set, only these services may send it, never on behalf of a person: the bus refuses
    it with an actor, and the NATS config denies it to every other user."""

    answer_within_s: ClassVar[float] = 0.0
    """How long the owner may take to answer, when that is longer than a bus round trip (a test
    that talks to a remote server): a sender waits at least this long before giving up."""

    actor: Actor | None = Field(default=None, description="Set by the web service for people.")

    @model_validator(mode="before")
    @classmethod
    def _refuse_part_of_a_group(cls, data: Any, info: ValidationInfo) -> Any:
        """Under :data:`STRICT`, a set that replaces a whole group must name all of it.

        A field left out would otherwise be stored as its default: ``{"is_enabled": true}`` sent
        to set SNMP would reset its communities and traps. Read-only and write-only fields may be
        left out (the owner fills in the one, keeps the stored other).
        """
        name = cls.replaced_group()
        if name is None or not (info.context or {}).get("refuse_unknown_fields"):
            return data
        group = data.get(name) if isinstance(data, dict) else None
        if not isinstance(group, Mapping) or set(group) - set(cls.reply_type.model_fields):
            return data  # a misspelt field explains what is missing: the group names it
        if missing := missing_fields(cls.reply_type, group):
            raise PydanticCustomError(
                "missing_fields",
                "{name} lacks {missing}: a set replaces the whole group, so read it, change "
                "what you mean and send all of it",
                {"name": name, "missing": ", ".join(missing)},
            )
        return data

    @classmethod
    def replaced_group(cls) -> str | None:
        """The field of a set that carries a whole group, stored as sent and answered.

        That is a ``….set`` command's one field of the command's reply type
        (``SetSnmp.settings``, ``SetLocation.location``).
        """
        return _replaced_group(cls)

    @classmethod
    def is_lent_to_integrators(cls) -> bool:
        """Also: neither internal nor above :data:`INTEGRATOR_ROLE`."""
        lent = super().is_lent_to_integrators()
        return lent and not cls.internal_for and cls.required_role <= INTEGRATOR_ROLE

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        for base in cls.__mro__:
            metadata = getattr(base, "__pydantic_generic_metadata__", None)
            if metadata and metadata["origin"] is Command and metadata["args"]:
                cls.reply_type = metadata["args"][0]
                return


@functools.cache
def _replaced_group(command: type[Command[Any]]) -> str | None:
    """:meth:`Command.replaced_group`, worked out once per command: every set received asks."""
    reply = getattr(command, "reply_type", None)
    groups = [name for name, field in command.model_fields.items() if field.annotation is reply]
    return groups[0] if command.subject.endswith(".set") and len(groups) == 1 else None


class Event(Message):
    """Something that happened, named in the past tense."""

    stateful: ClassVar[bool] = False
    """Kept as the last value in the KV bucket so late subscribers read the current state."""

    is_for_every_service: ClassVar[bool] = False
    """Every service may watch it, not only those that talk to its owner (the device's clock)."""


class Ack(Reply):
    """The reply of a command that has nothing to tell but that it was done."""

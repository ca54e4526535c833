"""Settings forms made from the contract's models: one input per field, and values back.

A field's kind follows its type: a switch for a boolean, a list for an enum, comma-separated
text for a list, a group of inputs for a nested model. The contract marks which fields are
read-only (left out) and write-only secrets: a secret's input stays empty, and an empty input
keeps the stored secret.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.datastructures import FormData

from actkit_web.pages.contract_words import WORDS

UNITS = {"_s": "s", "_ms": "ms", "_min": "min", "_dbm": "dBm", "_percent": "%"}
LONG_TEXT = ("_pem",)

Kind = Literal["switch", "select", "choices", "list", "group", "secret", "number", "text", "area"]


@dataclass(frozen=True)
class Input:
    """One input of a settings form."""

    name: str
    """Dotted path below the form's model, e.g. ``ipv4.address``; the input's name."""
    label: str
    kind: Kind
    value: Any
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()
    children: tuple[Input, ...] = ()
    is_optional: bool = False


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``X | None``, and whether None was allowed."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(inner) == 1:
            return inner[0], True
    return annotation, False


def _options(annotation: Any) -> tuple[tuple[str, str], ...] | None:
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple((str(member.value), _words(member.name)) for member in annotation)
    if get_origin(annotation) is Literal:
        return tuple((str(value), _words(str(value))) for value in get_args(annotation))
    return None


def _words(name: str) -> str:
    return WORDS.get(name) or name.replace("_", " ").capitalize()


def label_of(name: str) -> str:
    """A label made from a field's name: ``min_poll_s`` → ``Min poll (s)``."""
    if name in WORDS:
        return WORDS[name]
    for prefix in ("is_", "are_"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    for suffix, unit in UNITS.items():
        if name.endswith(suffix):
            return f"{_words(name[: -len(suffix)])} ({unit})"
    return _words(name)


def _marked(field: FieldInfo, mark: str) -> bool:
    """Whether the contract marks ``field`` ``readOnly`` or ``writeOnly`` (a secret)."""
    extra = field.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(mark))


def stored_flag(name: str) -> str:
    """The read-only flag that says whether the secret ``name`` is stored."""
    return f"has_{name}"


def _kind(field: FieldInfo, name: str, annotation: Any) -> Kind:
    if _marked(field, "writeOnly"):
        return "secret"
    if annotation is bool:
        return "switch"
    if _options(annotation) is not None:
        return "select"
    if get_origin(annotation) is list:
        return "choices" if _options(get_args(annotation)[0]) is not None else "list"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "group"
    if annotation in (int, float):
        return "number"
    return "area" if name.endswith(LONG_TEXT) else "text"


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {
        name: field
        for name, field in model.model_fields.items()
        if not _marked(field, "readOnly") and name != "actor"
    }


def inputs(
    model: type[BaseModel],
    values: Mapping[str, Any],
    help_text: Mapping[str, str],
    labels: Mapping[str, str],
    choices: Mapping[str, tuple[tuple[str, str], ...]] | None = None,
    prefix: str = "",
) -> tuple[Input, ...]:
    """The inputs of a form for ``model``, filled in with ``values`` (JSON-like, or as typed).

    ``choices`` makes a list of the values a field may take (``min_poll_s``: 16 s to 36 h).
    """
    choices = choices or {}
    made = []
    for name, field in _fields(model).items():
        path = f"{prefix}{name}"
        annotation, is_optional = _unwrap(field.annotation)
        kind = _kind(field, name, annotation)
        if kind == "list" and path in choices:
            kind = "choices"  # a list whose values are offered (certificates in the store)
        value = values.get(name)
        children: tuple[Input, ...] = ()
        if kind == "group":
            nested = value if isinstance(value, Mapping) else {}
            children = inputs(annotation, nested, help_text, labels, choices, f"{path}.")
        elif kind == "secret":
            value = bool(values.get(stored_flag(name)))
        elif kind == "list" and isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        elif kind == "choices":
            value = [str(item) for item in value] if isinstance(value, list) else []
        options = _options(get_args(annotation)[0] if kind == "choices" else annotation)
        if path in choices and kind == "choices":
            options = choices[path]
        elif path in choices:
            kind, options = "select", choices[path]
            value = "" if value is None else str(value)
        made.append(
            Input(
                name=path,
                label=labels.get(path, label_of(name)),
                kind=kind,
                value="" if value is None else value,
                help=help_text.get(path, field.description or ""),
                options=options or (),
                children=children,
                is_optional=is_optional,
            )
        )
    return tuple(made)


def values_from_form(model: type[BaseModel], form: FormData, prefix: str = "") -> dict[str, Any]:
    """The form's values for ``model``, as its inputs named them; the owner validates them.

    An empty optional input becomes None (for a secret: keep the stored one); an input the
    form did not send is left out, so the owner's default applies.
    """
    values: dict[str, Any] = {}
    for name, field in _fields(model).items():
        path = f"{prefix}{name}"
        annotation, is_optional = _unwrap(field.annotation)
        kind = _kind(field, name, annotation)
        if kind == "group":
            values[name] = values_from_form(annotation, form, f"{path}.")
        elif kind == "switch":
            # Ticked sends true, not ticked nothing; anything else is the owner's to refuse.
            raw = form.get(path)
            values[name] = raw == "true" if raw in (None, "true") else raw
        elif kind == "choices":
            values[name] = [str(item) for item in form.getlist(path)]
        elif path in form:
            raw = form.get(path)
            text = raw.strip() if isinstance(raw, str) and kind != "secret" else raw or ""
            if kind == "list":  # typed, comma-separated; or ticked among the values offered
                typed = [str(raw) for raw in form.getlist(path)]
                values[name] = [
                    item.strip() for t in typed for item in t.split(",") if item.strip()
                ]
            elif text == "" and (is_optional or kind == "secret"):
                values[name] = None
            else:
                values[name] = text
    return values


def input_names(made: tuple[Input, ...]) -> list[str]:
    """Every input's name, nested groups included."""
    names = []
    for one in made:
        names += input_names(one.children) if one.kind == "group" else [one.name]
    return names

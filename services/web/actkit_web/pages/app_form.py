"""An app's settings form, made from the JSON Schema its manifest gives, and the values it posts.

The form offers the properties of type string, number, integer or boolean, and those with an
``enum``; any other property (an array, an object, several types, none) is not in the form: it
is listed, kept as it is when the form is saved, and set through the REST API.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from actkit_proto.errors import Invalid

KINDS = ("string", "number", "integer", "boolean")


@dataclass(frozen=True)
class FormField:
    """One input of the form."""

    key: str
    kind: str
    """``string``, ``number``, ``integer``, ``boolean`` or ``enum``."""
    title: str
    description: str
    value: Any
    is_required: bool
    options: tuple[str, ...] = ()
    """An enum's choices as shown; the form posts the index of the one chosen."""
    chosen: int | None = None
    limits: dict[str, Any] = field(default_factory=dict)
    """``min``, ``max``, ``maxlength`` and ``minlength`` for the input, from the schema."""


def _kind(spec: Mapping[str, Any]) -> str | None:
    if isinstance(spec.get("enum"), list) and spec["enum"]:
        return "enum"
    kind = spec.get("type")
    return kind if kind in KINDS else None


def form_of(
    schema: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[list[FormField], list[str]]:
    """The form's inputs with the values in force, and the properties it does not offer."""
    properties: Mapping[str, Mapping[str, Any]] = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields: list[FormField] = []
    left_out: list[str] = []
    for key, spec in properties.items():
        kind = _kind(spec)
        if kind is None:
            left_out.append(key)
            continue
        value = values.get(key)
        options = tuple(str(option) for option in spec.get("enum", []))
        chosen = spec["enum"].index(value) if kind == "enum" and value in spec["enum"] else None
        limits = {
            name: spec[word]
            for name, word in (
                ("min", "minimum"),
                ("max", "maximum"),
                ("minlength", "minLength"),
                ("maxlength", "maxLength"),
            )
            if word in spec
        }
        fields.append(
            FormField(
                key=key,
                kind=kind,
                title=str(spec.get("title", key)),
                description=str(spec.get("description", "")),
                value=value,
                is_required=key in required,
                options=options,
                chosen=chosen,
                limits=limits,
            )
        )
    return fields, left_out


def values_of(
    schema: Mapping[str, Any], form: Mapping[str, str], current: Mapping[str, Any]
) -> dict[str, Any]:
    """The settings a posted form gives: its inputs, typed; what it does not offer, as it was.

    An empty input that is not required is left out (the app's default applies).

    Raises:
        Invalid: an input that is not of its kind, by name.
    """
    fields, left_out = form_of(schema, current)
    values = {key: current[key] for key in left_out if key in current}
    enums: Mapping[str, Mapping[str, Any]] = schema.get("properties", {})
    for item in fields:
        text = form.get(item.key, "")
        if item.kind == "boolean":
            values[item.key] = text == "true"
        elif text.strip() == "" and (item.kind != "string" or not item.is_required):
            continue
        elif item.kind == "enum":
            values[item.key] = _choice(item, text, enums[item.key]["enum"])
        elif item.kind == "integer":
            values[item.key] = _number(item.key, text, int, "a whole number")
        elif item.kind == "number":
            values[item.key] = _number(item.key, text, float, "a number")
        else:
            values[item.key] = text
    return values


def _choice(item: FormField, text: str, options: list[Any]) -> Any:
    if not text.isdigit() or int(text) >= len(options):
        raise Invalid(f"{item.key}: choose one of {', '.join(item.options)}")
    return options[int(text)]


def _number(key: str, text: str, kind: type[int] | type[float], said: str) -> int | float:
    try:
        number = kind(text.strip())
    except ValueError:
        raise Invalid(f"{key}: give {said}, not {text.strip()!r}") from None
    if not math.isfinite(number):
        raise Invalid(f"{key}: give {said}, not {text.strip()!r}")
    return number

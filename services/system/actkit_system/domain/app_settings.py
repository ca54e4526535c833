"""An app's own settings: the defaults its schema gives, and values checked against it."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from actkit_proto import Invalid


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse a settings schema that is not a JSON Schema (draft 2020-12).

    Raises:
        Invalid: says where the schema is wrong.
    """
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(part) for part in exc.path) or "its top"
        raise Invalid(f"settings_schema is not a JSON Schema ({where}): {exc.message}") from None


def default_settings(schema: dict[str, Any]) -> dict[str, Any]:
    """The settings an app has until they are set: each property's ``default``."""
    properties: dict[str, dict[str, Any]] = schema.get("properties", {})
    return {key: spec["default"] for key, spec in properties.items() if "default" in spec}


def check_settings(schema: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` if the app's schema accepts them and names each one.

    Raises:
        Invalid: a setting the schema does not have, or the first value it refuses, by name.
    """
    properties = schema.get("properties", {})
    unknown = sorted(set(values) - set(properties))
    if unknown:
        raise Invalid(f"{unknown[0]}: the app has no such setting")
    errors = sorted(
        Draft202012Validator(schema).iter_errors(values), key=lambda error: list(error.path)
    )
    if errors:
        where = ".".join(str(part) for part in errors[0].path) or "values"
        raise Invalid(f"{where}: {errors[0].message}")
    return values

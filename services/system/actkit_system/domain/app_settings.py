"""An app's own settings: the defaults its schema gives, and values checked against it.

jsonschema is imported at the first check (an app installed, updated or set): with referencing
and rpds it is 2.2 MB and 40 modules, which every service forked from the preload would share
for the rare moment the system service needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actkit_proto import Invalid

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


def _validator() -> type[Validator]:
    from jsonschema import Draft202012Validator

    return Draft202012Validator


def check_schema(schema: dict[str, Any]) -> None:
    """Refuse a settings schema that is not a JSON Schema (draft 2020-12).

    Raises:
        Invalid: says where the schema is wrong.
    """
    from jsonschema.exceptions import SchemaError

    try:
        _validator().check_schema(schema)
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
    errors = sorted(_validator()(schema).iter_errors(values), key=lambda error: list(error.path))
    if errors:
        where = ".".join(str(part) for part in errors[0].path) or "values"
        raise Invalid(f"{where}: {errors[0].message}")
    return values

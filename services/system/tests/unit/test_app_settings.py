"""An app's own settings: checked against its schema, kept, and published for the app."""

import json
from pathlib import Path
from typing import Any

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Forbidden, Invalid
from actkit_proto.base import Actor, Role
from actkit_proto.system import (
    AppPackage,
    AppSettingsChanged,
    AppsSettings,
    GetAppSettings,
    InstallApp,
    SetAppSettings,
    SetAppsSettings,
)
from actkit_system.handlers import Deps
from actkit_system.handlers.app_package import install, signed_package
from actkit_system.handlers.apps import restore_apps

from .app_packages import archive, manifest

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "record_inputs": {"type": "boolean", "default": True},
        "keep_days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 30},
        "label": {"type": "string", "maxLength": 20},
        "mode": {"enum": ["all", "ignition"]},
    },
}


def published(bus: FakeBus) -> list[dict[str, Any]]:
    return [event.values for event in bus.published if isinstance(event, AppSettingsChanged)]


@pytest.fixture
async def installed(
    fake_bus: FakeBus, deps: Deps, vendor: tuple[bytes, str], tmp_path: Path
) -> None:
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(public_keys=[vendor[1]])))
    image = archive(tmp_path)
    package = signed_package(manifest(settings_schema=SCHEMA), image, vendor[0])
    await install(fake_bus, image, package, "up-00001")


async def test_the_defaults_are_published_at_install_and_each_change_after_it(
    fake_bus: FakeBus, deps: Deps, installed: None
) -> None:
    defaults = {"record_inputs": True, "keep_days": 30}
    assert published(fake_bus) == [defaults]
    got = await fake_bus.request(GetAppSettings(name="trip-log"))
    assert (got.values, got.settings_schema) == (defaults, SCHEMA)
    values = {"record_inputs": False, "keep_days": 7, "label": "car 12", "mode": "ignition"}
    assert (await fake_bus.request(SetAppSettings(name="trip-log", values=values))).values == values
    assert published(fake_bus) == [defaults, values]
    (event,) = [e for e in fake_bus.published if isinstance(e, AppSettingsChanged)][-1:]
    assert event.to_subject() == "system.app.trip-log.settings.changed"
    await restore_apps(deps)  # the system service's start publishes them again
    assert published(fake_bus)[-1] == values
    assert (await fake_bus.request(GetAppSettings(name="trip-log"))).values == values


@pytest.mark.parametrize(
    ("values", "sentence"),
    [
        ({"keep_days": 0}, "keep_days: 0 is less than the minimum of 1"),
        ({"keep_days": "7"}, "keep_days: '7' is not of type 'integer'"),
        ({"mode": "some"}, "mode: 'some' is not one of \\['all', 'ignition'\\]"),
        ({"label": "x" * 21}, "label: '" + "x" * 21 + "' is too long"),
        ({"colour": "red"}, "colour: the app has no such setting"),
    ],
)
async def test_values_the_schema_refuses_are_refused_by_name_and_nothing_changes(
    fake_bus: FakeBus, deps: Deps, installed: None, values: dict[str, Any], sentence: str
) -> None:
    with pytest.raises(Invalid, match=sentence):
        await fake_bus.request(SetAppSettings(name="trip-log", values=values))
    assert published(fake_bus) == [{"record_inputs": True, "keep_days": 30}]
    assert deps.apps.installed.apps["trip-log"].settings is None


async def test_a_manifest_whose_schema_is_no_json_schema_is_refused(
    fake_bus: FakeBus, deps: Deps, tmp_path: Path
) -> None:
    await fake_bus.request(SetAppsSettings(settings=AppsSettings(allow_unsigned=True)))
    broken = {"type": "object", "properties": {"keep_days": {"type": "whole"}}}
    text = manifest(settings_schema=broken, image_sha256="0" * 64)
    package = AppPackage(manifest=json.dumps(text), upload_id="up-00001")
    with pytest.raises(Invalid, match=r"settings_schema is not a JSON Schema \(properties/"):
        await fake_bus.request(InstallApp(package=package))


async def test_only_an_administrator_changes_them(
    fake_bus: FakeBus, deps: Deps, installed: None
) -> None:
    operator = Actor(name="op", role=Role.OPERATOR)
    with pytest.raises(Forbidden, match="this needs administrator"):
        await fake_bus.request(SetAppSettings(name="trip-log", values={}, actor=operator))
    viewer = Actor(name="v", role=Role.VIEWER)
    assert (await fake_bus.request(GetAppSettings(name="trip-log", actor=viewer))).values

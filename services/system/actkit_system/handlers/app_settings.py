"""An app's own settings: system.app.<name>.settings.{get,set}, delivered as a kept event.

Each change is published as ``system.app.<name>.settings.changed``, kept on the bus, so the app
reads the last value when it starts and follows the changes (``docs/apps.md``).
"""

from __future__ import annotations

from typing import Any

from actkit_proto.system import (
    AppSettingsValues,
    GetAppSettings,
    SetAppSettings,
    Severity,
)
from actkit_system.domain.app_settings import check_settings
from actkit_system.domain.apps import InstalledApp
from actkit_system.handlers.apps import deliver_settings, installed_app
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.logs import note


async def get_app_settings(command: GetAppSettings, deps: Deps) -> AppSettingsValues:
    installed = installed_app(deps, command.name)
    return _answer(installed.manifest.name, installed.settings_in_force(), installed)


async def set_app_settings(command: SetAppSettings, deps: Deps) -> AppSettingsValues:
    apps = deps.apps
    async with apps.lock:
        installed = installed_app(deps, command.name)
        values = check_settings(installed.manifest.settings_schema, command.values)
        changed = installed.model_copy(update={"settings": values})
        apps.installed.apps[command.name] = changed
        await deps.store.save(apps.installed)
    await deliver_settings(deps, changed)
    note(deps, Severity.INFO, f"the settings of app {command.name} were changed")
    return _answer(command.name, values, changed)


def _answer(name: str, values: dict[str, Any], installed: InstalledApp) -> AppSettingsValues:
    schema = installed.manifest.settings_schema
    return AppSettingsValues(name=name, values=values, settings_schema=schema)

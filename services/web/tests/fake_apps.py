"""A stand-in for the system service's apps: one app ``view`` installed and one upload
``up-00001`` received; uploads kept in memory.

It checks roles and the contract through the real dispatcher; it does not verify signatures
(the system service's own tests do): a package installs when its upload is there, the licence
key ``GOOD-KEY`` activates, and the licence server gives a key for the code ``CODE-1``. ``view``
has the settings of :data:`SCHEMA`; only a setting the schema does not name is refused.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.errors import Conflict, Invalid, NotFound, Unavailable
from actkit_proto.system import (
    ActivateAppLicence,
    AppLicence,
    AppList,
    AppLog,
    AppPage,
    AppReply,
    ApproveAppSubjects,
    AppSettingsValues,
    AppsSettings,
    AppState,
    AppSubjects,
    AppUpload,
    DeactivateAppLicence,
    DeleteApp,
    FetchAppLicence,
    GetAppLicence,
    GetAppLog,
    GetAppPage,
    GetAppSettings,
    GetAppsSettings,
    InstallApp,
    ListApps,
    SetAppSettings,
    SetAppsSettings,
    StartApp,
    StopApp,
    UploadAppArchive,
)

from .serving import serve_methods

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["label"],
    "properties": {
        "record_inputs": {"type": "boolean", "title": "Record input changes"},
        "keep_days": {"type": "integer", "minimum": 1, "maximum": 365},
        "speed_kmh": {"type": "number"},
        "label": {"type": "string", "maxLength": 20, "description": "Shown on the page"},
        "mode": {"enum": ["all", "ignition", 3]},
        "ports": {"type": "array", "items": {"type": "integer"}},
    },
}


def app_state(name: str, should_run: bool = False) -> AppState:
    return AppState(
        name=name,
        needs_licence=True,
        has_settings=True,
        vendor="Example Vendor",
        version="1.0.0",
        is_signed=True,
        is_running=should_run,
        should_run=should_run,
        status="running" if should_run else "exited",
        memory_mb=64,
        cpus=0.25,
        subjects=ASKS,
        web_port=8080,
    )


ASKS = AppSubjects(publish=["io.port.*.set"], subscribe=["io.port.*.changed"])


@dataclass
class FakeApps:
    apps: dict[str, AppState] = field(default_factory=lambda: {"view": app_state("view")})
    uploads: dict[str, bytes] = field(default_factory=lambda: {"up-00001": b"image"})
    values: dict[str, Any] = field(
        default_factory=lambda: {"record_inputs": True, "label": "car 1", "ports": [1, 2]}
    )
    settings: AppsSettings = field(
        default_factory=lambda: AppsSettings(licence_server_url="https://licences.example/keys")
    )
    page_url: str | None = None
    """Where the app's own page answers (``None``: stopped)."""

    async def install(self, bus: FakeBus) -> None:
        await serve_methods(
            bus,
            {
                ListApps: self.list_apps,
                UploadAppArchive: self.upload,
                InstallApp: self.install_app,
                StartApp: self.start,
                StopApp: self.stop,
                DeleteApp: self.delete,
                GetAppLog: self.log,
                GetAppLicence: self.licence,
                GetAppsSettings: self.get_settings,
                SetAppsSettings: self.set_settings,
                ActivateAppLicence: self.activate,
                FetchAppLicence: self.fetch,
                DeactivateAppLicence: self.deactivate,
                GetAppSettings: self.get_app_settings,
                SetAppSettings: self.set_app_settings,
                ApproveAppSubjects: self.approve,
                GetAppPage: self.page,
            },
        )

    async def list_apps(self, _command: ListApps) -> AppList:
        return AppList(apps=sorted(self.apps.values(), key=lambda app: app.name))

    async def upload(self, command: UploadAppArchive) -> AppUpload:
        kept = self.uploads.get(command.upload_id, b"")
        if command.offset not in (0, len(kept)):
            raise Conflict(f"upload {command.upload_id} has {len(kept)} bytes")
        kept = kept[: command.offset] + base64.b64decode(command.data)
        self.uploads[command.upload_id] = kept
        return AppUpload(upload_id=command.upload_id, received_bytes=len(kept))

    async def install_app(self, command: InstallApp) -> AppReply:
        if command.package.upload_id not in self.uploads:
            raise NotFound(f"no upload {command.package.upload_id}")
        name = str(json.loads(command.package.manifest)["name"])
        self.apps[name] = app_state(name)
        return AppReply(app=self.apps[name])

    async def start(self, command: StartApp) -> AppReply:
        return AppReply(app=self._set(command.name, should_run=True))

    async def stop(self, command: StopApp) -> AppReply:
        return AppReply(app=self._set(command.name, should_run=False))

    async def delete(self, command: DeleteApp) -> AppList:
        self._get(command.name)
        del self.apps[command.name]
        return await self.list_apps(ListApps())

    async def log(self, command: GetAppLog) -> AppLog:
        self._get(command.name)
        return AppLog(name=command.name, text=f"{command.name} started\n")

    async def licence(self, command: GetAppLicence) -> AppLicence:
        self._get(command.name)
        return AppLicence(name=command.name, text="MIT")

    async def get_settings(self, _command: GetAppsSettings) -> AppsSettings:
        return self.settings

    async def set_settings(self, command: SetAppsSettings) -> AppsSettings:
        if any("-----BEGIN PUBLIC KEY-----" not in key for key in command.settings.public_keys):
            raise Invalid("public_keys: give PEM public keys (-----BEGIN PUBLIC KEY-----)")
        self.settings = command.settings
        return self.settings

    async def activate(self, command: ActivateAppLicence) -> AppReply:
        self._get(command.name)
        if command.key != "GOOD-KEY":
            raise Invalid("the licence key is for the device ACCC8E000001, not this one")
        return AppReply(app=self._licensed(command.name, True))

    async def fetch(self, command: FetchAppLicence) -> AppReply:
        self._get(command.name)
        if self.settings.licence_server_url is None:
            raise Unavailable("no licence server is set for this device")
        if command.licence_code != "CODE-1":
            raise Unavailable("the licence server refused (403): unknown code; nothing activated")
        return AppReply(app=self._licensed(command.name, True))

    async def deactivate(self, command: DeactivateAppLicence) -> AppReply:
        self._get(command.name)
        return AppReply(app=self._licensed(command.name, False))

    async def get_app_settings(self, command: GetAppSettings) -> AppSettingsValues:
        self._get(command.name)
        return AppSettingsValues(name=command.name, values=self.values, settings_schema=SCHEMA)

    async def set_app_settings(self, command: SetAppSettings) -> AppSettingsValues:
        self._get(command.name)
        unknown = sorted(set(command.values) - set(SCHEMA["properties"]))
        if unknown:
            raise Invalid(f"{unknown[0]}: the app has no such setting")
        self.values = command.values
        return await self.get_app_settings(GetAppSettings(name=command.name))

    def _licensed(self, name: str, is_licensed: bool) -> AppState:
        app = self._get(name).model_copy(update={"is_licensed": is_licensed})
        self.apps[name] = app
        return app

    async def approve(self, command: ApproveAppSubjects) -> AppReply:
        app = self._get(command.name)
        for subject in (*command.subjects.publish, *command.subjects.subscribe):
            if subject not in (*ASKS.publish, *ASKS.subscribe):
                raise Invalid(f"{command.name} does not ask for {subject!r}")
        self.apps[command.name] = app.model_copy(update={"approved_subjects": command.subjects})
        return AppReply(app=self.apps[command.name])

    async def page(self, command: GetAppPage) -> AppPage:
        self._get(command.name)
        return AppPage(name=command.name, url=self.page_url)

    def _get(self, name: str) -> AppState:
        if name not in self.apps:
            raise NotFound(f"no app {name} is installed")
        return self.apps[name]

    def _set(self, name: str, should_run: bool) -> AppState:
        self.apps[name] = app_state(self._get(name).name, should_run)
        return self.apps[name]

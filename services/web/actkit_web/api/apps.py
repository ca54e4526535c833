"""REST: apps — install, start, stop, delete, log, subjects, licences; trust settings."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from actkit_proto.system import (
    ActivateAppLicence,
    AppList,
    AppPackage,
    AppReply,
    ApproveAppSubjects,
    AppSettingsValues,
    AppsSettings,
    AppSubjects,
    AppUpload,
    DeactivateAppLicence,
    DeleteApp,
    FetchAppLicence,
    GetAppLicence,
    GetAppLog,
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
from actkit_proto.system.app_licences import MAX_KEY_CHARS
from actkit_proto.system.apps import APP_NAME_PATTERN, MAX_LOG_LINES, UPLOAD_ID_PATTERN
from actkit_web.http.deps import ActingBusDep, command_from_fields

router = APIRouter(prefix="/api/v1", tags=["apps"])

AppName = Annotated[str, Field(pattern=APP_NAME_PATTERN)]
UploadId = Annotated[str, Query(pattern=UPLOAD_ID_PATTERN)]


@router.get("/apps")
async def list_apps(bus: ActingBusDep) -> AppList:
    """The installed apps: whether each runs, and whether it should."""
    return await bus.request(ListApps())


@router.put(
    "/apps/upload",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        }
    },
)
async def upload_app_archive(
    request: Request, bus: ActingBusDep, upload_id: UploadId, offset: Annotated[int, Query(ge=0)]
) -> AppUpload:
    """Append a piece of an image archive (``docker save``) at ``offset``; 0 starts it over.

    Send the archive in pieces of at most 256 KiB, each at the bytes received so far; then
    install the package naming the upload (administrator).
    """
    chunk = base64.b64encode(await request.body()).decode()
    command = command_from_fields(UploadAppArchive, upload_id=upload_id, offset=offset, data=chunk)
    return await bus.request(command)


@router.post("/apps", status_code=201)
async def install_app(package: AppPackage, bus: ActingBusDep) -> AppReply:
    """Verify a package, load its uploaded image and create the app, stopped (administrator)."""
    return await bus.request(InstallApp(package=package))


@router.post("/apps/{name}/start")
async def start_app(name: AppName, bus: ActingBusDep) -> AppReply:
    """Start an app; it runs until stopped, across restarts (administrator)."""
    return await bus.request(StartApp(name=name))


@router.post("/apps/{name}/stop")
async def stop_app(name: AppName, bus: ActingBusDep) -> AppReply:
    """Stop an app; it stays stopped across restarts (administrator)."""
    return await bus.request(StopApp(name=name))


@router.delete("/apps/{name}")
async def delete_app(name: AppName, bus: ActingBusDep) -> AppList:
    """Delete an app with its data and its image (administrator)."""
    return await bus.request(DeleteApp(name=name))


@router.put("/apps/{name}/subjects")
async def approve_app_subjects(name: AppName, subjects: AppSubjects, bus: ActingBusDep) -> AppReply:
    """Approve which of the NATS subjects the app asks for it may use (administrator).

    The rest it may not use; ``{"publish": [], "subscribe": []}`` takes every approval back.
    """
    return await bus.request(command_from_fields(ApproveAppSubjects, name=name, subjects=subjects))


@router.get("/apps/{name}/log", response_class=PlainTextResponse)
async def app_log(
    name: AppName,
    bus: ActingBusDep,
    lines: Annotated[int, Query(ge=1, le=MAX_LOG_LINES)] = 200,
) -> PlainTextResponse:
    """The end of an app's output and errors, as text to download (operator)."""
    log = await bus.request(GetAppLog(name=name, lines=lines))
    return PlainTextResponse(
        log.text, headers={"Content-Disposition": f'attachment; filename="{name}.log"'}
    )


@router.get("/apps/{name}/licence", response_class=PlainTextResponse)
async def app_licence(name: AppName, bus: ActingBusDep) -> PlainTextResponse:
    """The open-source licences the app's vendor lists."""
    return PlainTextResponse((await bus.request(GetAppLicence(name=name))).text)


class LicenceKey(BaseModel):
    """A licence key as its vendor gave it."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=MAX_KEY_CHARS)


class LicenceCode(BaseModel):
    """The licence code the licence server knows."""

    model_config = ConfigDict(extra="forbid")

    licence_code: str = Field(min_length=1, max_length=200)


class AppSettingsBody(BaseModel):
    """An app's settings: the whole object its schema describes."""

    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any]


@router.get("/apps/{name}/settings")
async def get_app_settings(name: AppName, bus: ActingBusDep) -> AppSettingsValues:
    """An app's settings in force, with the JSON Schema that describes them."""
    return await bus.request(GetAppSettings(name=name))


@router.put("/apps/{name}/settings")
async def set_app_settings(
    name: AppName, body: AppSettingsBody, bus: ActingBusDep
) -> AppSettingsValues:
    """Replace an app's settings, which its schema must accept (administrator)."""
    return await bus.request(command_from_fields(SetAppSettings, name=name, values=body.values))


@router.put("/apps/{name}/licence-key")
async def activate_app_licence(name: AppName, body: LicenceKey, bus: ActingBusDep) -> AppReply:
    """Activate a licence with a key for this app and device (administrator)."""
    return await bus.request(command_from_fields(ActivateAppLicence, name=name, key=body.key))


@router.post("/apps/{name}/licence-key/fetch")
async def fetch_app_licence(name: AppName, body: LicenceCode, bus: ActingBusDep) -> AppReply:
    """Activate a licence automatically: a key from the device's licence server (administrator)."""
    command = command_from_fields(FetchAppLicence, name=name, licence_code=body.licence_code)
    return await bus.request(command)


@router.delete("/apps/{name}/licence-key")
async def deactivate_app_licence(name: AppName, bus: ActingBusDep) -> AppReply:
    """Deactivate and remove the app's licence; an app that needs it is stopped (administrator)."""
    return await bus.request(DeactivateAppLicence(name=name))


@router.get("/apps-settings")
async def get_apps_settings(bus: ActingBusDep) -> AppsSettings:
    """Whether unsigned apps are allowed, the vendors' keys it trusts, the licence server."""
    return await bus.request(GetAppsSettings())


@router.put("/apps-settings")
async def set_apps_settings(settings: AppsSettings, bus: ActingBusDep) -> AppsSettings:
    """Allow unsigned apps or not; the vendors' keys; the licence server (administrator)."""
    return await bus.request(SetAppsSettings(settings=settings))

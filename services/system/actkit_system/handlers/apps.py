"""Apps: system.app.* — upload, install, approve, start, stop, delete, log; system.apps.settings.*.

An app is a container beside the services (``docs/apps.md``); its container, volume and image
are handled in :mod:`actkit_system.handlers.app_containers`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
from pathlib import Path

from actkit_proto import Conflict, Invalid, NotFound, Unavailable
from actkit_proto.system import (
    AppLicence,
    AppList,
    AppLog,
    AppManifest,
    AppPage,
    AppReply,
    ApproveAppSubjects,
    AppSettingsChanged,
    AppsSettings,
    AppState,
    AppUpload,
    DeleteApp,
    GetAppLicence,
    GetAppLog,
    GetAppPage,
    GetAppsSettings,
    InstallApp,
    ListApps,
    SetAppsSettings,
    Severity,
    StartApp,
    StopApp,
    UploadAppArchive,
)
from actkit_system.domain.app_licences import KeptLicence, is_valid, why_not_startable
from actkit_system.domain.apps import (
    InstalledApp,
    app_state,
    check_approval,
    check_update,
    container_name,
    log_tail,
    updated_app,
    verify_package,
)
from actkit_system.domain.signing import check_public_key
from actkit_system.handlers.app_containers import (
    bring_back,
    create_container,
    obtain_image,
    remove_app,
    remove_traces,
    uploaded_archive,
)
from actkit_system.handlers.app_update import replace_app
from actkit_system.handlers.app_users import apply_users, new_password, refresh_users
from actkit_system.handlers.deps import Apps, Deps
from actkit_system.handlers.logs import note
from actkit_system.ports import EngineError, ReloadFailed

log = logging.getLogger(__name__)

MAX_LOG_CHARS = 60_000
"""An app log's answer stays well inside one bus message."""


async def get_apps_settings(_command: GetAppsSettings, deps: Deps) -> AppsSettings:
    return deps.apps.settings


async def set_apps_settings(command: SetAppsSettings, deps: Deps) -> AppsSettings:
    for pem in command.settings.public_keys:
        check_public_key(pem, signs="apps")
    await deps.store.save(command.settings)
    if command.settings.allow_unsigned != deps.apps.settings.allow_unsigned:
        allowed = "allowed" if command.settings.allow_unsigned else "not allowed"
        note(deps, Severity.NOTICE, f"unsigned apps are {allowed} from now on")
    deps.apps.settings = command.settings
    return command.settings


async def upload_app_archive(command: UploadAppArchive, deps: Deps) -> AppUpload:
    try:
        chunk = base64.b64decode(command.data, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("data: not base64") from None
    apps = deps.apps
    path = apps.uploads / f"{command.upload_id}.tar"
    received = path.stat().st_size if path.exists() else 0
    if command.offset not in (0, received):
        raise Conflict(
            f"upload {command.upload_id} has {received} bytes: send the chunk at offset "
            f"{received}, or at 0 to start over"
        )
    if command.offset + len(chunk) > apps.upload_max_bytes:
        raise Invalid(
            f"the image archive is larger than {apps.upload_max_bytes} bytes, the most an app's "
            "image may have"
        )
    apps.uploads.mkdir(parents=True, exist_ok=True)
    with path.open("r+b" if command.offset else "wb") as archive:
        archive.seek(command.offset)
        archive.write(chunk)
        archive.truncate()
    return AppUpload(upload_id=command.upload_id, received_bytes=command.offset + len(chunk))


async def install_app(command: InstallApp, deps: Deps) -> AppReply:
    apps = deps.apps
    async with apps.lock:
        manifest, is_signed = verify_package(command.package, apps.settings)
        there = apps.installed.apps.get(manifest.name)
        if there is not None:
            check_update(there, manifest)
            if there.should_run and manifest.needs_licence:
                check_startable(deps, there.model_copy(update={"manifest": manifest}))
        archive = uploaded_archive(apps, command.package, manifest)
        try:
            if there is None:
                installed = await _install_new(apps, manifest, is_signed, archive)
            else:
                installed = await _update(apps, there, manifest, is_signed, archive)
        finally:
            if archive is not None:
                archive.unlink(missing_ok=True)
        apps.installed.apps[manifest.name] = installed
        await deps.store.save(apps.installed)
        await refresh_users(deps)
    signed = "signed" if is_signed else "unsigned"
    done = "installed" if there is None else f"updated from {there.manifest.version}"
    note(deps, Severity.NOTICE, f"app {manifest.name} {manifest.version} ({signed}) {done}")
    await deliver_settings(deps, installed)
    return AppReply(app=await state_of(deps, installed))


async def _install_new(
    apps: Apps, manifest: AppManifest, is_signed: bool, archive: Path | None
) -> InstalledApp:
    if await apps.engine.inspect(container_name(manifest.name)) is not None:
        raise Conflict(
            f"the engine already has a container {container_name(manifest.name)} that "
            "no installed app owns; remove it first"
        )
    try:
        image_id = await obtain_image(apps, manifest, archive)
        installed = InstalledApp(
            manifest=manifest, is_signed=is_signed, image_id=image_id, nats_password=new_password()
        )
        await create_container(apps, installed)
    except EngineError as exc:
        await remove_traces(apps, manifest)
        raise Unavailable(f"{manifest.name} is not installed: {exc}") from None
    return installed


async def _update(
    apps: Apps, there: InstalledApp, manifest: AppManifest, is_signed: bool, archive: Path | None
) -> InstalledApp:
    try:
        image_id = await obtain_image(apps, manifest, archive)
    except EngineError as exc:
        with contextlib.suppress(EngineError):
            if await apps.engine.image_id(manifest.image) not in (None, there.image_id):
                await apps.engine.remove_image(manifest.image)
        raise Unavailable(f"{manifest.name} {manifest.version} is not installed: {exc}") from None
    installed = updated_app(there, manifest, is_signed, image_id)
    await replace_app(apps, there, installed)
    return installed


async def list_apps(_command: ListApps, deps: Deps) -> AppList:
    installed = sorted(deps.apps.installed.apps.values(), key=lambda app: app.manifest.name)
    return AppList(apps=[await state_of(deps, app) for app in installed])


async def start_app(command: StartApp, deps: Deps) -> AppReply:
    return await _run(deps, command.name, should_run=True)


async def stop_app(command: StopApp, deps: Deps) -> AppReply:
    return await _run(deps, command.name, should_run=False)


async def delete_app(command: DeleteApp, deps: Deps) -> AppList:
    apps = deps.apps
    async with apps.lock:
        installed = installed_app(deps, command.name)
        try:
            await remove_app(apps, installed.manifest)
        except EngineError as exc:
            raise Unavailable(f"{command.name} is not deleted: {exc}") from None
        del apps.installed.apps[command.name]
        await deps.store.save(apps.installed)
        await refresh_users(deps)
    note(deps, Severity.NOTICE, f"app {command.name} deleted")
    return await list_apps(ListApps(), deps)


async def approve_app_subjects(command: ApproveAppSubjects, deps: Deps) -> AppReply:
    apps = deps.apps
    async with apps.lock:
        installed = installed_app(deps, command.name)
        check_approval(installed.manifest, command.subjects)
        changed = installed.model_copy(update={"approved": command.subjects})
        try:
            await apply_users(apps, {**apps.installed.apps, command.name: changed})
        except (ReloadFailed, OSError) as exc:
            await refresh_users(deps)
            raise Unavailable(
                f"the approval of {command.name}'s subjects is not made: {exc}"
            ) from None
        apps.installed.apps[command.name] = changed
        await deps.store.save(apps.installed)
    approved = ", ".join([*command.subjects.publish, *command.subjects.subscribe])
    note(deps, Severity.NOTICE, f"app {command.name} may use: {approved or 'no subject'}")
    return AppReply(app=await state_of(deps, changed))


async def get_app_log(command: GetAppLog, deps: Deps) -> AppLog:
    installed_app(deps, command.name)
    try:
        text = await deps.apps.engine.logs(container_name(command.name), command.lines)
    except EngineError as exc:
        raise Unavailable(f"the log of {command.name} cannot be read: {exc}") from None
    tail, is_truncated = log_tail(text, command.lines, MAX_LOG_CHARS)
    return AppLog(name=command.name, text=tail, is_truncated=is_truncated)


async def get_app_licence(command: GetAppLicence, deps: Deps) -> AppLicence:
    installed = installed_app(deps, command.name)
    return AppLicence(name=command.name, text=installed.manifest.licence_text)


async def get_app_page(command: GetAppPage, deps: Deps) -> AppPage:
    installed = installed_app(deps, command.name)
    port = installed.manifest.web_port
    try:
        container = await deps.apps.engine.inspect(container_name(command.name))
    except EngineError as exc:
        raise Unavailable(f"the container engine does not answer: {exc}") from None
    if port is None or container is None or not container.is_running or not container.address:
        return AppPage(name=command.name)
    return AppPage(name=command.name, url=f"http://{container.address}:{port}")


async def restore_apps(deps: Deps) -> None:
    """At start: every app in its last state (a device restart, an engine that lost a container).

    One app that cannot be brought back is written to the system log; the others still are.
    An app installed before apps had NATS users gets one, and its container is made anew.
    """
    for name, installed in sorted(deps.apps.installed.apps.items()):
        if not installed.nats_password:
            installed = installed.model_copy(update={"nats_password": new_password()})
            deps.apps.installed.apps[name] = installed
            await deps.store.save(deps.apps.installed)
            with contextlib.suppress(EngineError):
                await deps.apps.engine.remove(container_name(name))
    await refresh_users(deps)
    for name, installed in sorted(deps.apps.installed.apps.items()):
        await deliver_settings(deps, installed)
        try:
            check_startable(deps, installed)
        except Conflict as exc:
            if installed.should_run:
                note(deps, Severity.WARNING, f"app {name} not started: {exc.message}")
            installed = installed.model_copy(update={"should_run": False})
        try:
            await bring_back(deps.apps, installed)
        except EngineError as exc:
            log.warning("app %s not brought back: %s", name, exc)
            note(deps, Severity.ERROR, f"app {name} could not be brought back: {exc}")


async def deliver_settings(deps: Deps, installed: InstalledApp) -> None:
    """Publish an app's settings in force, kept on the bus for the app to read when it starts."""
    name = installed.manifest.name
    await deps.bus.publish(AppSettingsChanged(name=name, values=installed.settings_in_force()))


async def _run(deps: Deps, name: str, should_run: bool) -> AppReply:
    apps = deps.apps
    async with apps.lock:
        installed = installed_app(deps, name)
        if should_run:
            check_startable(deps, installed)
        changed = installed.model_copy(update={"should_run": should_run})
        try:
            await bring_back(apps, changed)
        except EngineError as exc:
            verb = "start" if should_run else "stop"
            raise Unavailable(f"{name} did not {verb}: {exc}") from None
        apps.installed.apps[name] = changed
        await deps.store.save(apps.installed)
    return AppReply(app=await state_of(deps, changed))


def installed_app(deps: Deps, name: str) -> InstalledApp:
    installed = deps.apps.installed.apps.get(name)
    if installed is None:
        raise NotFound(f"no app {name} is installed")
    return installed


async def state_of(deps: Deps, installed: InstalledApp) -> AppState:
    try:
        container = await deps.apps.engine.inspect(container_name(installed.manifest.name))
    except EngineError as exc:
        raise Unavailable(f"the container engine does not answer: {exc}") from None
    licence = valid_licence(deps, installed.manifest.name)
    if container is None:
        return app_state(installed, "missing", is_running=False, licence=licence)
    return app_state(installed, container.status, container.is_running, licence)


def valid_licence(deps: Deps, name: str) -> KeptLicence | None:
    """The licence kept for an app if it is valid now."""
    licence = deps.apps.licences.licences.get(name)
    return licence if is_valid(licence, deps.time.now()) else None


def check_startable(deps: Deps, installed: InstalledApp) -> None:
    """Refuse to start an app that needs a licence without a valid one.

    Raises:
        Conflict: it needs a licence and has none, or its licence expired.
    """
    name = installed.manifest.name
    if installed.manifest.needs_licence and valid_licence(deps, name) is None:
        raise Conflict(why_not_startable(name, deps.apps.licences.licences.get(name)))

"""Apps' licences: system.app.<name>.licence.{activate,fetch,deactivate}.

A licence is kept by app name apart from the installed apps: deleting an app keeps it (the
manual), and it counts again when the app is installed anew. Only "Deactivate the license"
removes it.
"""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from actkit_proto import Unavailable
from actkit_proto.system import (
    ActivateAppLicence,
    AppReply,
    DeactivateAppLicence,
    FetchAppLicence,
    LicenceServerAnswer,
    LicenceServerRequest,
    Severity,
)
from actkit_system.domain.app_licences import read_licence_key
from actkit_system.handlers.app_containers import bring_back
from actkit_system.handlers.apps import installed_app, state_of
from actkit_system.handlers.deps import Deps
from actkit_system.handlers.logs import note
from actkit_system.ports import EngineError

LICENCE_SERVER_TIMEOUT_S = 10.0
MAX_REFUSAL_CHARS = 200


async def activate_app_licence(command: ActivateAppLicence, deps: Deps) -> AppReply:
    return await _activate(deps, command.name, command.key, "with a key")


async def fetch_app_licence(command: FetchAppLicence, deps: Deps) -> AppReply:
    installed_app(deps, command.name)
    key = await _ask_licence_server(deps, command.name, command.licence_code)
    return await _activate(deps, command.name, key, "from the licence server")


async def deactivate_app_licence(command: DeactivateAppLicence, deps: Deps) -> AppReply:
    apps = deps.apps
    async with apps.lock:
        installed = installed_app(deps, command.name)
        if command.name not in apps.licences.licences:
            return AppReply(app=await state_of(deps, installed))
        if installed.manifest.needs_licence and installed.should_run:
            stopped = installed.model_copy(update={"should_run": False})
            try:
                await bring_back(apps, stopped)
            except EngineError as exc:
                raise Unavailable(
                    f"the licence of {command.name} is kept: the app, which needs it, did not "
                    f"stop: {exc}"
                ) from None
            apps.installed.apps[command.name] = installed = stopped
            await deps.store.save(apps.installed)
        licences = apps.licences.model_copy(deep=True)
        del licences.licences[command.name]
        await deps.store.save(licences)
        apps.licences = licences
    note(deps, Severity.NOTICE, f"the licence of app {command.name} was deactivated and removed")
    return AppReply(app=await state_of(deps, installed))


async def _activate(deps: Deps, name: str, key: str, how: str) -> AppReply:
    apps = deps.apps
    async with apps.lock:
        installed = installed_app(deps, name)
        licence = read_licence_key(
            key, name, deps.identity.serial_number, apps.settings.public_keys, deps.time.now()
        )
        licences = apps.licences.model_copy(deep=True)
        licences.licences[name] = licence
        await deps.store.save(licences)
        apps.licences = licences
    until = f" until {licence.expires.isoformat()}" if licence.expires else ""
    note(deps, Severity.NOTICE, f"a licence for app {name} was activated {how}{until}")
    return AppReply(app=await state_of(deps, installed))


async def _ask_licence_server(deps: Deps, name: str, licence_code: str) -> str:
    """A licence key from the device's licence server, unchecked yet.

    Raises:
        Unavailable: no server is set, it does not answer, refuses, or answers no key.
    """
    url = deps.apps.settings.licence_server_url
    if url is None:
        raise Unavailable(
            "no licence server is set for this device: an administrator sets its address under "
            "Apps, or activate the licence with a key"
        )
    asked = LicenceServerRequest(
        app=name, serial=deps.identity.serial_number, licence_code=licence_code
    )
    try:
        async with httpx.AsyncClient(timeout=LICENCE_SERVER_TIMEOUT_S) as client:
            answer = await client.post(url, json=asked.model_dump())
    except httpx.HTTPError as exc:
        raise Unavailable(
            f"the licence server {url} does not answer ({exc or type(exc).__name__}); "
            "nothing activated"
        ) from None
    if answer.status_code != 200:
        said = answer.text.strip()[:MAX_REFUSAL_CHARS] or answer.reason_phrase
        raise Unavailable(
            f"the licence server refused ({answer.status_code}): {said}; nothing activated"
        )
    try:
        return LicenceServerAnswer.model_validate_json(answer.content).key
    except ValidationError:
        raise Unavailable(
            'the licence server\'s answer is not {"key": "<licence key>"}; nothing activated'
        ) from None

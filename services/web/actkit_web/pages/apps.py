"""Apps: the apps, their switch and context menu, Add app, trust settings, each app's own page.

An app's own page is under /apps/<name>/, after the routes above, which take precedence.

Adding an app uploads its image archive in pieces through the REST API (``static/apps.js``:
an archive is larger than one request takes), then installs the package that names it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from actkit_proto.base import Command, Role
from actkit_proto.errors import BusError, Forbidden, Unavailable
from actkit_proto.system import (
    ActivateAppLicence,
    ApproveAppSubjects,
    AppsSettings,
    DeactivateAppLicence,
    DeleteApp,
    FetchAppLicence,
    GetAppPage,
    GetAppSettings,
    GetAppsSettings,
    ListApps,
    SetAppSettings,
    SetAppsSettings,
    StartApp,
    StopApp,
)
from actkit_web.http.app_proxy import AppAway, forward
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages.app_form import form_of, values_of
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, checkbox, field_errors

router = APIRouter(include_in_schema=False)
KEY_END = "-----END PUBLIC KEY-----"
TRUST_FIELDS = {
    "allow_unsigned": ("unsigned",),
    "public_keys": ("public key", "pem"),
    "licence_server_url": ("licence server", "url"),
}
"""The trust form's inputs and the words that name each in system's sentences."""


async def _apps_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    notes: dict[str, str],
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    """The page; ``typed``: the trust form as it was sent, when it was refused."""
    is_administrator = bool(caller.identity and caller.identity.role >= Role.ADMINISTRATOR)
    try:
        trust = await bus.request(GetAppsSettings())
    except Forbidden:
        trust = AppsSettings()
    return render_page(
        request,
        "apps.html",
        caller,
        apps=(await bus.request(ListApps())).apps,
        trust=trust,
        is_administrator=is_administrator,
        errors=notes,
        typed=typed,
        status_code=status,
    )


@router.get("/apps")
async def apps_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _apps_page(request, caller, bus, {})


@router.post("/apps/{name}/start")
async def start_app(request: Request, name: str, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The switch, turned on."""
    return await _use(request, caller, bus, StartApp, f"{name} started.", name=name)


@router.post("/apps/{name}/stop")
async def stop_app(request: Request, name: str, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The switch, turned off."""
    return await _use(request, caller, bus, StopApp, f"{name} stopped.", name=name)


@router.post("/apps/{name}/delete")
async def delete_app(request: Request, name: str, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The context menu's Delete."""
    return await _use(request, caller, bus, DeleteApp, f"{name} deleted.", name=name)


@router.post("/apps/{name}/licence-key")
async def activate_licence(
    request: Request,
    name: str,
    caller: CallerDep,
    bus: ActingBusDep,
    key: Annotated[str, Form()] = "",
) -> Response:
    """The context menu's Activate license with a key."""
    done = f"The licence of {name} is active."
    return await _use(request, caller, bus, ActivateAppLicence, done, name=name, key=key)


@router.post("/apps/{name}/licence-key/fetch")
async def fetch_licence(
    request: Request,
    name: str,
    caller: CallerDep,
    bus: ActingBusDep,
    licence_code: Annotated[str, Form()] = "",
) -> Response:
    """The context menu's Activate license automatically, with the licence code."""
    done = f"The licence of {name} is active."
    fields = {"name": name, "licence_code": licence_code}
    # The licence server's silence or refusal is shown beside the form too.
    shown = (*REFUSALS, Unavailable)
    return await _use(request, caller, bus, FetchAppLicence, done, shown, **fields)


@router.post("/apps/{name}/licence-key/delete")
async def deactivate_licence(
    request: Request, name: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """The context menu's Deactivate the license."""
    done = f"The licence of {name} is deactivated and removed."
    return await _use(request, caller, bus, DeactivateAppLicence, done, name=name)


@router.post("/apps/{name}/subjects")
async def approve_subjects(
    request: Request, name: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """The context menu's Bus subjects: the checked ones approved, the others not."""
    form = await request.form()
    subjects = {
        kind: [value for value in form.getlist(kind) if isinstance(value, str)]
        for kind in ("publish", "subscribe")
    }
    try:
        await bus.request(command_from_fields(ApproveAppSubjects, name=name, subjects=subjects))
    except REFUSALS as exc:
        return await _apps_page(request, caller, bus, {"error": exc.message}, 400)
    done = f"{name} may use the checked bus subjects, and no other."
    return await _apps_page(request, caller, bus, {"done": done})


AppCommand = (
    type[StartApp]
    | type[StopApp]
    | type[DeleteApp]
    | type[ActivateAppLicence]
    | type[FetchAppLicence]
    | type[DeactivateAppLicence]
)


async def _use(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    kind: AppCommand,
    done: str,
    shown: tuple[type[BusError], ...] = REFUSALS,
    **fields: str,
) -> Response:
    try:
        command: Command[Any] = command_from_fields(kind, **fields)
        await bus.request(command)
    except shown as exc:
        return await _apps_page(request, caller, bus, {"error": exc.message}, 400)
    return await _apps_page(request, caller, bus, {"done": done})


@router.post("/apps-settings")
async def set_trust(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    allow_unsigned: Annotated[str, Form()] = "",
    public_keys: Annotated[str, Form()] = "",
    licence_server_url: Annotated[str, Form()] = "",
) -> Response:
    """Allow unsigned apps, the vendors' keys (PEM, one after another), the licence server."""
    keys = [part.strip() + "\n" + KEY_END for part in public_keys.split(KEY_END) if part.strip()]
    settings = {
        "allow_unsigned": checkbox(allow_unsigned),
        "public_keys": keys,
        "licence_server_url": licence_server_url.strip() or None,
    }
    try:
        await bus.request(command_from_fields(SetAppsSettings, settings=settings))
    except REFUSALS as exc:
        errors = {f"trust-{name}": text for name, text in field_errors(exc, TRUST_FIELDS).items()}
        typed = {
            "allow_unsigned": allow_unsigned,
            "public_keys": public_keys,
            "licence_server_url": licence_server_url,
        }
        return await _apps_page(request, caller, bus, errors, 400, typed)
    return await _apps_page(request, caller, bus, {"done": "App settings saved."})


@router.get("/apps/{name}/settings")
async def app_settings_page(
    request: Request, name: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """Open: the app's settings as a form made from its schema."""
    return await _settings_page(request, name, caller, bus, {})


@router.post("/apps/{name}/settings")
async def set_app_settings(
    request: Request, name: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """Save the app's settings form (the owner checks them against the app's schema)."""
    posted = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    try:
        current = await bus.request(command_from_fields(GetAppSettings, name=name))
        values = values_of(current.settings_schema, posted, current.values)
        await bus.request(command_from_fields(SetAppSettings, name=name, values=values))
    except REFUSALS as exc:
        return await _settings_page(request, name, caller, bus, {"error": exc.message}, 400)
    return await _settings_page(request, name, caller, bus, {"done": "Settings saved."})


async def _settings_page(
    request: Request,
    name: str,
    caller: Caller,
    bus: ActingBus,
    notes: dict[str, str],
    status: int = 200,
) -> Response:
    current = await bus.request(command_from_fields(GetAppSettings, name=name))
    fields, left_out = form_of(current.settings_schema, current.values)
    return render_page(
        request,
        "app_settings.html",
        caller,
        name=name,
        fields=fields,
        left_out=left_out,
        is_administrator=bool(caller.identity and caller.identity.role >= Role.ADMINISTRATOR),
        errors=notes,
        status_code=status,
    )


@router.get("/apps/{name}")
async def app_page_root(name: str, _caller: CallerDep) -> Response:
    """Open an app's own page: its links are relative to the folder."""
    return RedirectResponse(f"/apps/{quote(name)}/", status_code=307)


@router.api_route("/apps/{name}/{path:path}", methods=["GET", "HEAD"])
async def app_page(
    request: Request, name: str, path: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """The app's own page, from its container (``docs/apps.md``); read only, any role."""
    page = await bus.request(command_from_fields(GetAppPage, name=name))
    if page.url is not None:
        try:
            return await forward(request, page.url, f"/apps/{name}", path)
        except AppAway:
            pass
    return render_page(request, "app_page_away.html", caller, name=name, status_code=503)

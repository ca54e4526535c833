"""Apps: the installed apps with their switch and context menu, Add app, Allow unsigned apps.

Adding an app uploads its image archive in pieces through the REST API (``static/apps.js``:
an archive is larger than one request takes), then installs the package that names it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from actkit_proto.base import Command, Role
from actkit_proto.errors import Forbidden
from actkit_proto.system import (
    AppsSettings,
    DeleteApp,
    GetAppsSettings,
    ListApps,
    SetAppsSettings,
    StartApp,
    StopApp,
)
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS

router = APIRouter(include_in_schema=False)
KEY_END = "-----END PUBLIC KEY-----"


async def _apps_page(
    request: Request, caller: Caller, bus: ActingBus, notes: dict[str, str], status: int = 200
) -> Response:
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
        status_code=status,
    )


@router.get("/apps")
async def apps_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _apps_page(request, caller, bus, {})


@router.post("/apps/{name}/start")
async def start_app(request: Request, name: str, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The switch, turned on."""
    return await _use(request, caller, bus, StartApp, name, "started")


@router.post("/apps/{name}/stop")
async def stop_app(request: Request, name: str, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The switch, turned off."""
    return await _use(request, caller, bus, StopApp, name, "stopped")


@router.post("/apps/{name}/delete")
async def delete_app(request: Request, name: str, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The context menu's Delete."""
    return await _use(request, caller, bus, DeleteApp, name, "deleted")


async def _use(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    kind: type[StartApp] | type[StopApp] | type[DeleteApp],
    name: str,
    done: str,
) -> Response:
    try:
        command: Command[Any] = command_from_fields(kind, name=name)
        await bus.request(command)
    except REFUSALS as exc:
        return await _apps_page(request, caller, bus, {"error": exc.message}, 400)
    return await _apps_page(request, caller, bus, {"done": f"{name} {done}."})


@router.post("/apps-settings")
async def set_trust(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    allow_unsigned: Annotated[bool, Form()] = False,
    public_keys: Annotated[str, Form()] = "",
) -> Response:
    """Allow unsigned apps, and the vendors' keys (PEM, one after another)."""
    keys = [part.strip() + "\n" + KEY_END for part in public_keys.split(KEY_END) if part.strip()]
    settings = {"allow_unsigned": allow_unsigned, "public_keys": keys}
    try:
        await bus.request(command_from_fields(SetAppsSettings, settings=settings))
    except REFUSALS as exc:
        return await _apps_page(request, caller, bus, {"error": exc.message}, 400)
    return await _apps_page(request, caller, bus, {"done": "App settings saved."})

"""Maintenance: restart, restore, factory default, upgrade, reports and the network trace."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import StreamingResponse
from starlette.responses import Response

from actkit_proto.base import Event
from actkit_proto.errors import BusError, Invalid
from actkit_proto.system import (
    NetworkTraceProgressed,
    NetworkTraceStatus,
    UpgradeMode,
    UpgradeProgressed,
    UpgradeStatus,
)
from actkit_web.api import maintenance
from actkit_web.http.auth import Caller
from actkit_web.http.deps import (
    ActingBus,
    ActingBusDep,
    CallerDep,
    ProgressDep,
    command_from_fields,
)
from actkit_web.http.feed import live_response, server_sent_event
from actkit_web.pages.rendering import render_page, templates
from actkit_web.pages.submit import REFUSALS, checkbox, submit

router = APIRouter(include_in_schema=False)
TRACE_SECONDS = (10, 30, 60, 120, 300, 600, 1800)


CONFIRMATIONS = {
    "restart": "Restart the device? Settings are kept; outputs return to normal meanwhile.",
    "restore": "Restore the device? Most settings return to factory default; the boot protocol, "
    "static IP address, router, subnet mask, 802.1X, O3C and DNS settings are kept.",
    "factory-default": "Go back to factory default? Every setting returns to factory default, "
    "the IP address included, and the device restarts. As with the control button, the "
    "status LED is amber meanwhile and turns green when it is complete (red flashes: a "
    "service could not be reset).",
}
ACTIONS = {
    "restart": maintenance.restart,
    "restore": maintenance.restore,
    "factory-default": maintenance.factory_default,
}


async def _trace_status(bus: ActingBus) -> NetworkTraceStatus:
    return await maintenance.network_trace_status(bus)


async def _maintenance_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    notes: dict[str, str],
    status: int = 200,
    confirm: str | None = None,
) -> Response:
    return render_page(
        request,
        "maintenance.html",
        caller,
        upgrade_settings=await maintenance.get_upgrade_settings(bus),
        upgrade=await maintenance.get_upgrade_status(bus),
        trace=await _trace_status(bus),
        modes=[mode.value for mode in UpgradeMode],
        trace_seconds=TRACE_SECONDS,
        confirm=confirm,
        confirmation=CONFIRMATIONS.get(confirm or "", ""),
        notes=notes,
        status_code=status,
    )


@router.get("/maintenance")
async def maintenance_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _maintenance_page(request, caller, bus, {})


@router.post("/maintenance/upgrade")
async def start_upgrade(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    bundle: Annotated[UploadFile | None, File()] = None,
    mode: Annotated[str, Form()] = UpgradeMode.STANDARD.value,
    confirm_within_s: Annotated[str, Form()] = "300",
) -> Response:
    """Upload a bundle (the signed JSON of ``bundle sign``, or a bare manifest) and start."""

    async def refused(exc: BusError) -> Response:
        return await _maintenance_page(request, caller, bus, {"upgrade": exc.message}, 400)

    try:
        text = (await bundle.read()).decode() if bundle is not None else ""
        body = command_from_fields(
            maintenance.UpgradeRequest,
            bundle=_bundle(text),
            mode=mode,
            confirm_within_s=confirm_within_s,
        )
    except UnicodeDecodeError:
        return await refused(Invalid("the bundle is not a text (JSON) file"))
    except Invalid as exc:
        return await refused(exc)
    return await submit(lambda: maintenance.start_upgrade(body, bus), "/maintenance", refused)


def _bundle(text: str) -> dict[str, Any]:
    if not text.strip():
        raise Invalid("bundle: choose the update file first")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"bundle: the file is not JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(parsed, dict) and "manifest" in parsed:
        return parsed
    return {"manifest": text}


@router.post("/maintenance/upgrade/{step}")
async def finish_upgrade(
    request: Request, step: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    """Keep the new version (``confirm``) or go back to the previous one (``rollback``)."""

    async def refused(exc: BusError) -> Response:
        return await _maintenance_page(request, caller, bus, {"upgrade": exc.message}, 400)

    if step == "confirm":
        return await submit(lambda: maintenance.confirm_upgrade(bus), "/maintenance", refused)
    if step == "rollback":
        return await submit(lambda: maintenance.rollback_upgrade(bus), "/maintenance", refused)
    return await refused(Invalid(f"{step!r} is not confirm or rollback"))


@router.post("/maintenance/trace")
async def start_trace(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    duration_s: Annotated[str, Form()] = "",
) -> Response:
    async def refused(exc: BusError) -> Response:
        return await _maintenance_page(request, caller, bus, {"trace": exc.message}, 400)

    return await submit(
        lambda: maintenance.start_network_trace(
            command_from_fields(maintenance.TraceRequest, duration_s=duration_s), bus
        ),
        "/maintenance#trace",
        refused,
    )


@router.post("/maintenance/{action}")
async def maintain(
    request: Request,
    action: str,
    caller: CallerDep,
    bus: ActingBusDep,
    confirmed: Annotated[str, Form()] = "",
) -> Response:
    """Restart, restore or factory default: the first post asks, the confirmed one acts.

    Anything but a confirmation (a crafted value too) asks again.
    """
    run = ACTIONS.get(action)
    if run is None:
        unknown = f"{action!r} is not restart, restore or factory default"
        return await _maintenance_page(request, caller, bus, {"error": unknown}, 404)
    if checkbox(confirmed) is not True:
        return await _maintenance_page(request, caller, bus, {}, confirm=action)
    try:
        result = await run(bus)
    except REFUSALS as exc:
        return await _maintenance_page(request, caller, bus, {"error": exc.message}, 400)
    failed = "; ".join(f"{service}: {why}" for service, why in result.failed.items())
    done = {"restart": "Restarting.", "restore": "Restored.", "factory-default": "Factory default."}
    note = done[action] + (f" Not everywhere: {failed}." if failed else "")
    return await _maintenance_page(request, caller, bus, {"done": note})


@router.get("/live/maintenance")
async def live_maintenance(
    request: Request, _caller: CallerDep, bus: ActingBusDep, progress: ProgressDep
) -> StreamingResponse:
    """Server-sent events: the upgrade's and the network trace's progress, as they move on."""

    async def now() -> list[str]:
        upgrade = await maintenance.get_upgrade_status(bus)
        return [render_progress(upgrade), render_progress(await _trace_status(bus))]

    def moved(event: Event) -> str | None:
        if isinstance(event, UpgradeProgressed | NetworkTraceProgressed):
            return render_progress(event.status)
        return None

    return live_response(request, progress, now, moved)


def render_progress(status: UpgradeStatus | NetworkTraceStatus) -> str:
    """One server-sent event: the upgrade or trace status box, rendered again."""
    name = "upgrade" if isinstance(status, UpgradeStatus) else "trace"
    return server_sent_event(
        name, templates.get_template(f"{name}_status.html").render(**{name: status})
    )

"""Dashboard pages for Logs, Plain config and Maintenance, through the REST route functions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import ValidationError
from starlette.responses import Response

from actkit_proto.base import Event, Role
from actkit_proto.errors import BusError, Forbidden, Invalid, NotFound
from actkit_proto.params import Parameter, ParameterType, ParameterValue
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
    NetworkTraceProgressed,
    NetworkTraceStatus,
    Severity,
    SyslogFormat,
    SyslogProtocol,
    SyslogServer,
    UpgradeMode,
    UpgradeProgressed,
    UpgradeStatus,
)
from actkit_web.auth import Caller
from actkit_web.deps import ActingBus, ActingBusDep, CallerDep, ProgressDep, command_from_fields
from actkit_web.feed import live_response, server_sent_event
from actkit_web.forms import REFUSALS, submit
from actkit_web.pages import field_errors, render_page, templates
from actkit_web.routes import logs, maintenance, plain_config

router = APIRouter(include_in_schema=False)
TRACE_SECONDS = (10, 30, 60, 120, 300, 600, 1800)
SYSLOG_FIELDS = {name: (name,) for name in SyslogServer.model_fields}


# -- logs ------------------------------------------------------------------------------------


def _utc(text: str | None) -> datetime | None:
    """A ``datetime-local`` field, read as UTC; empty is no limit."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise Invalid(f"{text!r} is not a date and time (YYYY-MM-DDTHH:MM)") from None


async def _logs_page(
    request: Request, caller: Caller, bus: ActingBus, errors: dict[str, str], status: int = 200
) -> Response:
    query = request.query_params
    try:
        system_filter = logs.SystemLogFilter(
            service=[name for name in query.getlist("service") if name],
            min_severity=query.get("min_severity") or Severity.DEBUG,
            since=_utc(query.get("since")),
            until=_utc(query.get("until")),
            text=query.get("text") or None,
            limit=query.get("limit") or 200,
        )
        access_filter = logs.AccessLogFilter(
            client_address=query.get("client_address") or None,
            name=query.get("name") or None,
            since=_utc(query.get("access_since")),
            until=_utc(query.get("access_until")),
        )
    except (ValidationError, Invalid) as exc:
        errors = {**errors, "filter": str(getattr(exc, "message", exc))}
        system_filter, access_filter = logs.SystemLogFilter(), logs.AccessLogFilter()
        status = 400
    return render_page(
        request,
        "logs.html",
        caller,
        system_log=await logs.list_system_log(bus, system_filter),
        access_log=await logs.list_access_log(bus, access_filter),
        servers=(await logs.list_syslog_servers(bus)).servers,
        query=query,
        services=SERVICE_NAMES,
        severities=[severity.value for severity in Severity],
        formats=[value.value for value in SyslogFormat],
        protocols=[(value.value, value.default_port) for value in SyslogProtocol],
        errors=errors,
        status_code=status,
    )


@router.get("/system/logs")
async def logs_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _logs_page(request, caller, bus, {})


@router.post("/system/logs/syslog-servers")
async def add_syslog_server(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    host: Annotated[str, Form()] = "",
    format: Annotated[str, Form()] = SyslogFormat.RFC5424.value,
    protocol: Annotated[str, Form()] = SyslogProtocol.UDP.value,
    port: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = Severity.WARNING.value,
    ca_certificate: Annotated[str, Form()] = "",
) -> Response:
    async def refused(exc: BusError) -> Response:
        found = field_errors(exc, SYSLOG_FIELDS)
        errors = {f"syslog-{key}": sentence for key, sentence in found.items()}
        return await _logs_page(request, caller, bus, errors, 400)

    fields = {
        "host": host.strip(),
        "format": format,
        "protocol": protocol,
        "port": port or None,
        "severity": severity,
        "ca_certificate": ca_certificate.strip() or None,
    }
    return await submit(
        lambda: logs.add_syslog_server(command_from_fields(SyslogServer, **fields), bus),
        "/system/logs#syslog",
        refused,
    )


@router.post("/system/logs/syslog-servers/{server_id}/delete")
async def remove_syslog_server(
    request: Request, server_id: int, caller: CallerDep, bus: ActingBusDep
) -> Response:
    async def refused(exc: BusError) -> Response:
        # The refusal next to its server, or above the list when the server is gone.
        where = "syslog" if isinstance(exc, NotFound) else f"server-{server_id}"
        return await _logs_page(request, caller, bus, {where: exc.message}, 400)

    return await submit(
        lambda: logs.remove_syslog_server(server_id, bus), "/system/logs#syslog", refused
    )


# -- plain config ----------------------------------------------------------------------------


def shown(parameter: Parameter) -> str:
    """A parameter's value as its field shows it (booleans as yes/no, as plain config writes)."""
    value = parameter.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def field_id(key: str) -> str:
    return "param-" + key.replace(".", "-")


def _may_change(parameter: Parameter, role: Role | None) -> bool:
    return parameter.is_writable and role is not None and role >= parameter.required_role


async def _config_page(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    submitted: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    group = request.query_params.get("group") or None
    parameters = (await plain_config.list_parameters(bus, group)).parameters
    groups: dict[str, list[Parameter]] = {}
    for parameter in parameters:
        groups.setdefault(parameter.group.split(".", 1)[0], []).append(parameter)
    role = caller.identity.role if caller.identity else None
    return render_page(
        request,
        "plain_config.html",
        caller,
        groups=groups,
        group=group or "",
        editable={p.key for p in parameters if _may_change(p, role)},
        submitted=submitted or {},
        shown=shown,
        field_id=field_id,
        types=ParameterType,
        errors=errors,
        status_code=status,
    )


@router.get("/system/plain-config")
async def config_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _config_page(request, caller, bus, {})


@router.post("/system/plain-config")
async def set_config(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    """Send the fields that changed (an empty password field keeps the password)."""
    form = await request.form()
    section = str(form.get("section", ""))
    submitted = {key: value for key, value in form.items() if isinstance(value, str)}
    current = (await plain_config.list_parameters(bus, section or None)).parameters
    changes: dict[str, ParameterValue] = {}
    for parameter in current:
        if parameter.key not in submitted:
            continue
        value = submitted[parameter.key]
        if parameter.type is ParameterType.PASSWORD and not value:
            continue
        if value != shown(parameter):
            changes[parameter.key] = value
    target = f"/system/plain-config#{field_id(section)}" if section else "/system/plain-config"
    if not changes:
        return RedirectResponse(target, status_code=303)

    async def refused(exc: BusError) -> Response:
        fields = {key: (key.lower(),) for key in changes}
        status = 403 if isinstance(exc, Forbidden) else 400
        return await _config_page(
            request, caller, bus, field_errors(exc, fields), submitted, status
        )

    try:
        return await submit(
            lambda: plain_config.set_parameters(plain_config.ParameterChange(values=changes), bus),
            target,
            refused,
        )
    except Forbidden as exc:
        # A parameter above the caller's role: shown next to it, still answered 403.
        return await refused(exc)


# -- maintenance -----------------------------------------------------------------------------

CONFIRMATIONS = {
    "restart": "Restart the device? Settings are kept; outputs return to normal meanwhile.",
    "restore": "Restore the device? Most settings return to factory default; the boot protocol, "
    "static IP address, router, subnet mask, 802.1X, O3C and DNS settings are kept.",
    "factory-default": "Go back to factory default? Every setting returns to factory default, "
    "the IP address included, and the device restarts.",
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
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Restart, restore or factory default: the first post asks, the confirmed one acts."""
    run = ACTIONS.get(action)
    if run is None:
        unknown = f"{action!r} is not restart, restore or factory default"
        return await _maintenance_page(request, caller, bus, {"error": unknown}, 404)
    if not confirmed:
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
    upgrade = await maintenance.get_upgrade_status(bus)
    trace = await _trace_status(bus)

    def moved(event: Event) -> str | None:
        if isinstance(event, UpgradeProgressed | NetworkTraceProgressed):
            return render_progress(event.status)
        return None

    return live_response(
        request, progress, [render_progress(upgrade), render_progress(trace)], moved
    )


def render_progress(status: UpgradeStatus | NetworkTraceStatus) -> str:
    """One server-sent event: the upgrade or trace status box, rendered again."""
    name = "upgrade" if isinstance(status, UpgradeStatus) else "trace"
    return server_sent_event(
        name, templates.get_template(f"{name}_status.html").render(**{name: status})
    )

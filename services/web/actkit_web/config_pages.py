"""Dashboard pages for Logs and Plain config, through the REST route functions."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from actkit_proto.base import Role
from actkit_proto.errors import BusError, Forbidden, Invalid, NotFound
from actkit_proto.params import Parameter, ParameterType, ParameterValue
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import (
    ListAccessLog,
    Severity,
    SyslogFormat,
    SyslogProtocol,
    SyslogServer,
)
from actkit_web.api import logs, plain_config
from actkit_web.forms import REFUSALS, submit
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.http.ids import PathId
from actkit_web.pages import field_errors, render_page

router = APIRouter(prefix="/system", include_in_schema=False)
SYSLOG_FIELDS = {name: (name,) for name in SyslogServer.model_fields}
SYSLOG_FORM = {
    "host": "",
    "protocol": SyslogProtocol.UDP.value,
    "port": "",
    "format": SyslogFormat.RFC5424.value,
    "severity": Severity.WARNING.value,
    "ca_certificate": "",
}
"""The add-server form's fields and what each starts as."""


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
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    query = request.query_params
    try:
        chosen = {name: query[name] for name in ("min_severity", "limit") if query.get(name)}
        system_filter = logs.SystemLogFilter(
            service=[name for name in query.getlist("service") if name],
            since=_utc(query.get("since")),
            until=_utc(query.get("until")),
            text=query.get("text") or None,
            **chosen,
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
        access_log=(
            await logs.list_access_log(bus, access_filter)
            if caller.identity and caller.identity.role >= ListAccessLog.required_role
            else None
        ),
        servers=(await logs.list_syslog_servers(bus)).servers,
        query=query,
        services=SERVICE_NAMES,
        severities=[severity.value for severity in Severity],
        formats=[value.value for value in SyslogFormat],
        protocols=[(value.value, value.default_port) for value in SyslogProtocol],
        typed=typed or SYSLOG_FORM,
        errors=errors,
        status_code=status,
    )


@router.get("/logs")
async def logs_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _logs_page(request, caller, bus, {})


def _typed_server(form: FormData) -> dict[str, str]:
    """The add-server form's values as typed, to show them again."""
    return {name: str(form.get(name) or default) for name, default in SYSLOG_FORM.items()}


def _server(typed: dict[str, str]) -> SyslogServer:
    """The server the form describes (Invalid naming the field if it breaks the contract)."""
    return command_from_fields(
        SyslogServer,
        host=typed["host"].strip(),
        format=typed["format"],
        protocol=typed["protocol"],
        port=typed["port"].strip() or None,
        severity=typed["severity"],
        ca_certificate=typed["ca_certificate"].strip() or None,
    )


def _syslog_errors(exc: BusError) -> dict[str, str]:
    return {f"syslog-{key}": sentence for key, sentence in field_errors(exc, SYSLOG_FIELDS).items()}


@router.post("/logs/syslog-servers")
async def add_syslog_server(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    typed = _typed_server(await request.form())

    async def refused(exc: BusError) -> Response:
        return await _logs_page(request, caller, bus, _syslog_errors(exc), 400, typed)

    return await submit(
        lambda: logs.add_syslog_server(_server(typed), bus), "/system/logs#syslog", refused
    )


@router.post("/logs/syslog-servers/test")
async def test_syslog_server(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    """Send a test message to the server as the form has it, and show what happened."""
    typed = _typed_server(await request.form())
    try:
        result = await logs.test_syslog_server(_server(typed), bus)
    except REFUSALS as exc:
        return await _logs_page(request, caller, bus, _syslog_errors(exc), 400, typed)
    outcome = {"syslog-test" if result.is_ok else "syslog-test-failed": result.answer}
    return await _logs_page(request, caller, bus, outcome, typed=typed)


@router.post("/logs/syslog-servers/{server_id}/delete")
async def remove_syslog_server(
    request: Request, server_id: PathId, caller: CallerDep, bus: ActingBusDep
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


@router.get("/plain-config")
async def config_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _config_page(request, caller, bus, {})


@router.post("/plain-config")
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

"""System > Logs: the system log and the access log, filtered, and the remote syslog servers."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import Response

from actkit_proto.errors import BusError, Invalid, NotFound
from actkit_proto.services import SERVICE_NAMES
from actkit_proto.system import ListAccessLog, Severity, SyslogFormat, SyslogProtocol, SyslogServer
from actkit_web.api import logs
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.http.ids import PathId
from actkit_web.pages.certificates import store_options
from actkit_web.pages.rendering import render_page
from actkit_web.pages.submit import REFUSALS, field_errors, submit

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


def utc_of(text: str | None) -> datetime | None:
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
            since=utc_of(query.get("since")),
            until=utc_of(query.get("until")),
            text=query.get("text") or None,
            **chosen,
        )
        access_filter = logs.AccessLogFilter(
            client_address=query.get("client_address") or None,
            name=query.get("name") or None,
            since=utc_of(query.get("access_since")),
            until=utc_of(query.get("access_until")),
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
        ca_choices=await _ca_choices(bus),
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


async def _ca_choices(bus: ActingBus) -> tuple[tuple[str, str], ...] | None:
    """The store's CA certificates; ``None`` for a caller who may not list them (types an id)."""
    try:
        return await store_options(bus, "ca")
    except BusError:
        return None


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

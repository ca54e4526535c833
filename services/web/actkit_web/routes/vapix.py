"""VAPIX: the Axis CGI API that the ``axis`` library and Home Assistant speak.

The CGIs are plain Starlette routes, mounted at ``/axis-cgi`` ahead of the FastAPI routes: they
have no OpenAPI schema to gain from FastAPI, and its routing and dependency injection cost about
a quarter of the CPU of a port.cgi toggle. Each CGI authenticates with :func:`signed_in` or
:func:`acting_bus`, the same checks the FastAPI dependencies make.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from actkit_proto.accounts import (
    AddAccount,
    CreateFirstAdministrator,
    DeleteAccount,
    GetSetupState,
    ListAccounts,
    UpdateAccount,
)
from actkit_proto.base import Role
from actkit_proto.errors import BusError, Conflict, Invalid, NotFound
from actkit_proto.io import (
    ConfigurePort,
    Direction,
    GetPort,
    ListPorts,
    Port,
    PulsePort,
    SetPort,
)
from actkit_web.device import BRAND, BUILD_DATE, DeviceIdentity
from actkit_web.http.deps import (
    ActingBus,
    acting_bus,
    command_from_fields,
    get_bus,
    get_device,
    get_settings,
    signed_in,
)
from actkit_web.vapix import (
    API_LIST,
    API_VERSIONS,
    actkit_port_id,
    form_fields,
    group_lines,
    ioport_lines,
    is_active_for_state,
    parse_port_action,
    port_item,
    port_settings_update,
    role_groups,
    role_of_groups,
)

# VAPIX's JSON error codes.
INVALID_PARAMETER = 2104
UNSUPPORTED_METHOD = 2004
MALFORMED_JSON = 4002


async def json_call(request: Request) -> tuple[dict[str, Any], str, str]:
    try:
        body = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(f"the body is not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise Invalid("the body must be a JSON object")
    return body, str(body.get("context", "")), str(body.get("method", ""))


def answer(api_id: str, body: dict[str, Any], data: dict[str, Any]) -> JSONResponse:
    return JSONResponse(
        {
            "apiVersion": str(body.get("apiVersion", API_VERSIONS[api_id])),
            "context": str(body.get("context", "")),
            "method": str(body.get("method", "")),
            "data": data,
        }
    )


def error_answer(api_id: str, body: dict[str, Any], code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "apiVersion": str(body.get("apiVersion", API_VERSIONS[api_id])),
            "context": str(body.get("context", "")),
            "method": str(body.get("method", "")),
            "error": {"code": code, "message": message},
        }
    )


def versions(api_id: str, body: dict[str, Any]) -> JSONResponse:
    return answer(api_id, body, {"apiVersions": [API_VERSIONS[api_id]]})


async def api_discovery(request: Request) -> Response:
    await signed_in(request)
    body, _, method = await json_call(request)
    if method == "getSupportedVersions":
        return versions("api-discovery", body)
    if method != "getApiList":
        return error_answer("api-discovery", body, UNSUPPORTED_METHOD, f"unknown method {method!r}")
    items = [
        {"id": api_id, "version": version, "name": name, "docLink": ""}
        for api_id, version, name in API_LIST
    ]
    return answer("api-discovery", body, {"apiList": items})


async def basic_device_info(request: Request) -> Response:
    await signed_in(request)
    body, _, method = await json_call(request)
    device = await get_device(request)
    properties = await device.properties()
    if method == "getSupportedVersions":
        return versions("basic-device-info", body)
    if method == "getAllProperties":
        return answer("basic-device-info", body, {"propertyList": properties})
    if method == "getProperties":
        params = body.get("params")
        wanted = params.get("propertyList") if isinstance(params, dict) else None
        if not isinstance(wanted, list):
            message = "params.propertyList must be a list of property names"
            return error_answer("basic-device-info", body, INVALID_PARAMETER, message)
        chosen = {n: properties[n] for n in wanted if isinstance(n, str) and n in properties}
        return answer("basic-device-info", body, {"propertyList": chosen})
    return error_answer("basic-device-info", body, UNSUPPORTED_METHOD, f"unknown method {method!r}")


async def port_management(request: Request) -> Response:
    bus = await acting_bus(request)
    body, _, method = await json_call(request)
    api = "io-port-management"
    if method == "getSupportedVersions":
        return versions(api, body)
    try:
        if method == "getPorts":
            ports = (await bus.request(ListPorts())).ports
            return answer(
                api, body, {"numberOfPorts": len(ports), "items": [port_item(p) for p in ports]}
            )
        if method == "setPorts":
            await _set_ports(bus, body.get("params"))
            return answer(api, body, {})
        if method == "setStateSequence":
            await _run_sequence(bus, body.get("params"))
            return answer(api, body, {})
    except (Invalid, NotFound, Conflict) as exc:
        return error_answer(api, body, INVALID_PARAMETER, exc.message)
    return error_answer(api, body, UNSUPPORTED_METHOD, f"unknown method {method!r}")


async def _set_ports(bus: ActingBus, params: object) -> None:
    # axis <= 60 sends a bare list; the VAPIX shape wraps it in {"ports": [...]}.
    items = params.get("ports") if isinstance(params, dict) else params
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise Invalid("params must be a list of ports, or {'ports': [...]}")
    for item in items:
        port = await bus.request(_get_port(str(item.get("port", ""))))
        settings = _settings_change(port, item)
        if settings:
            port = await bus.request(
                command_from_fields(ConfigurePort, port_id=port.port_id, **settings)
            )
        if "state" in item:
            if port.direction is not Direction.OUTPUT:
                raise Invalid(f"port {item['port']} is an input; only outputs can be set")
            await bus.request(
                command_from_fields(
                    SetPort,
                    port_id=port.port_id,
                    is_active=is_active_for_state(port, str(item["state"])),
                )
            )


def _get_port(vapix_id: str) -> GetPort:
    """Ask for a port by its 0-based VAPIX id; Invalid when it is not a port number."""
    return command_from_fields(GetPort, port_id=actkit_port_id(vapix_id))


def _settings_change(port: Port, item: dict[str, Any]) -> dict[str, object]:
    """The port settings a ``setPorts`` item changes (``usage`` is a free label, not kept)."""
    current = port_item(port)
    change: dict[str, object] = {}
    for key, field in (
        ("name", "name"),
        ("direction", "direction"),
        ("normalState", "normal_state"),
    ):
        if key in item and str(item[key]) != str(current[key]):
            change[field] = item[key]
    return change


async def _run_sequence(bus: ActingBus, params: object) -> None:
    if not isinstance(params, dict) or not isinstance(params.get("sequence"), list):
        raise Invalid("params must carry port and sequence")
    port = await bus.request(_get_port(str(params.get("port", ""))))
    steps = params["sequence"]
    # The one sequence a lamp or lock needs: a state for a while, then back.
    if len(steps) != 2 or not all(isinstance(step, dict) for step in steps):
        raise Invalid("only a two-step sequence (a state for a time, then back) is supported")
    first_active = is_active_for_state(port, str(steps[0].get("state")))
    if is_active_for_state(port, str(steps[1].get("state"))) == first_active:
        raise Invalid("the second step must return the port to the other state")
    duration_ms = steps[0].get("time")
    if not isinstance(duration_ms, int):
        raise Invalid("time of the first step must be milliseconds")
    await bus.request(
        command_from_fields(
            PulsePort, port_id=port.port_id, duration_ms=duration_ms, is_active=first_active
        )
    )


async def port_cgi(request: Request) -> Response:
    bus = await acting_bus(request)
    fields = dict(request.query_params)
    if "checkactive" in fields:
        numbers = [number for number in fields["checkactive"].split(",") if number]
        lines = []
        for number in numbers:
            if not number.isdigit():
                raise Invalid(f"checkactive {number!r} is not a port number")
            port = await bus.request(command_from_fields(GetPort, port_id=int(number)))
            lines.append(f"port{number}={'active' if port.is_active else 'inactive'}")
        return PlainTextResponse("\n".join(lines) + "\n")
    action = parse_port_action(fields.get("action", ""))
    if action.pulse_ms is None:
        await bus.request(
            command_from_fields(SetPort, port_id=action.port_id, is_active=action.is_active)
        )
    else:
        await bus.request(
            command_from_fields(
                PulsePort,
                port_id=action.port_id,
                duration_ms=action.pulse_ms,
                is_active=action.is_active,
            )
        )
    return PlainTextResponse("OK\n")


async def param_cgi(request: Request) -> Response:
    bus = await acting_bus(request)
    device = await get_device(request)
    fields = form_fields(request.url.query, await request.body())
    action = fields.get("action", "")
    if action == "update":
        for port_id, settings_change in port_settings_update(fields).items():
            await bus.request(
                command_from_fields(ConfigurePort, port_id=port_id, **settings_change)
            )
        return PlainTextResponse("OK\n")
    if action != "list":
        return PlainTextResponse(f"# Error: action {action!r} is not list or update\n")
    lines: list[str] = []
    for group in fields.get("group", "root").split(","):
        name = group.strip().removeprefix("root").lstrip(".")
        lines += await _group_lines(name, bus, device)
    return PlainTextResponse("\n".join(lines) + "\n")


async def _group_lines(group: str, bus: ActingBus, device: DeviceIdentity) -> list[str]:
    top = group.split(".", 1)[0]
    if top == "Properties":
        properties = await device.properties()
        lines = [
            "root.Properties.API.HTTP.Version=3",
            "root.Properties.API.HTTP.AdminPath=/",
            "root.Properties.API.Metadata.Metadata=yes",
            "root.Properties.API.Metadata.Version=1.0",
            f"root.Properties.Firmware.BuildDate={BUILD_DATE}",
            "root.Properties.Firmware.BuildNumber=1",
            f"root.Properties.Firmware.Version={properties['Version']}",
            f"root.Properties.System.SerialNumber={properties['SerialNumber']}",
        ]
    elif top == "Brand":
        lines = [f"root.Brand.{key}={value}" for key, value in BRAND.items()]
    elif top in ("IOPort", "Input", "Output"):
        lines = ioport_lines((await bus.request(ListPorts())).ports)
    elif top == "":
        lines = [
            *await _group_lines("Brand", bus, device),
            *await _group_lines("IOPort", bus, device),
            *await _group_lines("Properties", bus, device),
        ]
    else:
        return [f"# Error: Error -1 getting param in group '{group}'"]
    wanted = f"root.{group}" if group else "root"
    return [line for line in lines if line.startswith((wanted + ".", wanted + "="))]


async def user_groups(request: Request) -> Response:
    caller = await signed_in(request)
    assert caller.identity is not None
    groups = " ".join(role_groups(caller.identity.role))
    return PlainTextResponse(f"{caller.identity.name}\n{caller.identity.name} {groups}\n")


async def pwdgrp_cgi(request: Request) -> Response:
    """Accounts over VAPIX; while no account exists, ``add`` needs no password, as Axis OS does."""
    bus = await get_bus(request)
    settings = await get_settings(request)
    fields = form_fields(request.url.query, await request.body())
    action = fields.get("action", "")
    if action == "add":
        setup = await bus.request(GetSetupState(), settings.bus_timeout_s)
        if setup.is_setup_required:
            if role_of_groups(fields.get("sgrp", "")) is not Role.ADMINISTRATOR:
                raise Invalid("the first account must be an administrator (sgrp with admin)")
            await bus.request(
                command_from_fields(
                    CreateFirstAdministrator,
                    name=fields.get("user", ""),
                    password=fields.get("pwd", ""),
                    accept_licence=True,
                ),
                settings.bus_timeout_s,
            )
            return PlainTextResponse(f"Created account {fields.get('user', '')}.\n")
    acting = await acting_bus(request)
    name = fields.get("user", "")
    if action == "get":
        listed = await acting.request(ListAccounts())
        accounts = [(a.name, a.role, a.is_first) for a in listed.accounts]
        return PlainTextResponse(group_lines(accounts))
    if action == "add":
        await acting.request(
            command_from_fields(
                AddAccount,
                name=name,
                password=fields.get("pwd", ""),
                role=role_of_groups(fields.get("sgrp", "")),
            )
        )
        return PlainTextResponse(f"Created account {name}.\n")
    if action == "update":
        role = role_of_groups(fields["sgrp"]) if fields.get("sgrp") else None
        await acting.request(
            command_from_fields(
                UpdateAccount, name=name, password=fields.get("pwd") or None, role=role
            )
        )
        return PlainTextResponse(f"Modified account {name}.\n")
    if action == "remove":
        await acting.request(command_from_fields(DeleteAccount, name=name))
        return PlainTextResponse(f"Removed account {name}.\n")
    raise Invalid(f"action {action!r} is not get, add, update or remove")


def cgi(path: str, endpoint: Callable[[Request], Awaitable[Response]], *methods: str) -> Route:
    """A CGI that answers ``methods`` only.

    Starlette would also run a GET CGI for HEAD, and a GET of port.cgi switches an output.
    """
    route = Route(path, endpoint, methods=list(methods))
    route.methods = set(methods)
    return route


ROUTES = [
    cgi("/apidiscovery.cgi", api_discovery, "POST"),
    cgi("/basicdeviceinfo.cgi", basic_device_info, "POST"),
    cgi("/io/portmanagement.cgi", port_management, "POST"),
    cgi("/io/port.cgi", port_cgi, "GET"),
    cgi("/param.cgi", param_cgi, "GET", "POST"),
    cgi("/usergroup.cgi", user_groups, "GET"),
    cgi("/pwdgrp.cgi", pwdgrp_cgi, "GET", "POST"),
]
"""The CGIs under ``/axis-cgi``."""


def error_text(exc: BusError) -> str:
    """A CGI's plain-text error line."""
    return f"# Error: {' '.join(exc.message.split())}\n"

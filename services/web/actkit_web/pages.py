"""The dashboard: server-rendered pages that call the same route functions as the REST API."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from actkit_proto.accounts import (
    CreateFirstAdministrator,
    GetBruteForceSettings,
    GetSetupState,
    ListAccounts,
    ListOnvifAccounts,
)
from actkit_proto.base import Command
from actkit_proto.ble import GetBeaconSettings
from actkit_proto.errors import BusError, Conflict, Invalid, Unauthenticated, Unavailable
from actkit_proto.events import ListRecipients, ListRules, ListSchedules, SetManualTrigger
from actkit_proto.io import Circuit, ConfigurePort, ListPorts, Port, PortChanged, PortList
from actkit_proto.mqtt import GetClientSettings
from actkit_proto.network import GetFirewall, GetIpv4, GetWlan
from actkit_proto.service import GetServiceStatus
from actkit_proto.system import (
    GetPowerSettings,
    GetTimeSettings,
    GetTimeStatus,
    ListPlainConfig,
    ListSystemLog,
    Restart,
    TimeStatus,
)
from actkit_web.api import ports
from actkit_web.api.session import end_session, set_session_cookie, start_session
from actkit_web.feed import live_response, server_sent_event
from actkit_web.http.auth import SESSION_COOKIE, Caller
from actkit_web.http.deps import (
    ActingBus,
    ActingBusDep,
    BusDep,
    CallerDep,
    DeviceDep,
    FeedDep,
    SettingsDep,
    command_from_fields,
)
from actkit_web.http.ids import PathId

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


def field_errors(exc: BusError, fields: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """The owner's sentences, each put next to the field it is about, else on the form.

    A sentence is about a field when it starts ``field: `` (a validation error, possibly with
    the path to it) or names one of the field's words (``fields`` maps each field to them).
    """
    errors: dict[str, str] = {}
    for problem in exc.message.split("; "):
        field, separator, sentence = problem.partition(": ")
        if separator and field not in fields:
            # A nested field (``recipient.email.to.0``) belongs to its innermost known name.
            field = next((part for part in reversed(field.split(".")) if part in fields), field)
        if not (separator and field in fields):
            words = problem.lower()
            field = next((f for f, keys in fields.items() if any(k in words for k in keys)), "form")
            sentence = problem
        errors[field] = f"{errors.get(field, '')} {sentence}".strip()
    return errors


SETUP_FIELDS = {
    "accept_licence": ("licence", "license"),
    "password": ("password",),
    "name": ("name",),
}


MENU: tuple[tuple[str, str, type[Command[Any]]], ...] = (
    ("/status", "Status", ListPorts),
    ("/accessories", "Accessories", ListPorts),
    ("/events/rules", "Rules", ListRules),
    ("/events/triggers", "Manual triggers", SetManualTrigger),
    ("/events/recipients", "Recipients", ListRecipients),
    ("/events/schedules", "Schedules", ListSchedules),
    ("/system/accounts", "Accounts", ListAccounts),
    ("/system/security", "Security", GetBruteForceSettings),
    ("/system/time", "Time and location", GetTimeSettings),
    ("/system/network", "Network", GetIpv4),
    ("/system/wlan", "WLAN", GetWlan),
    ("/system/firewall", "Firewall and 802.1X", GetFirewall),
    ("/system/mqtt", "MQTT", GetClientSettings),
    ("/system/onvif", "ONVIF", ListOnvifAccounts),
    ("/system/power", "Power settings", GetPowerSettings),
    ("/system/ble", "BLE beacons", GetBeaconSettings),
    ("/system/logs", "Logs", ListSystemLog),
    ("/system/plain-config", "Plain config", ListPlainConfig),
    ("/maintenance", "Maintenance", Restart),
)
"""The pages and the command each one shows first: a page is listed if the caller may send it."""


def render_page(request: Request, template: str, caller: Caller | None, **context: Any) -> Response:
    """A dashboard page, with the menu the caller's role allows and the form CSRF token."""
    status = context.pop("status_code", 200)
    csrf = caller.session.csrf_token if caller and caller.session else ""
    role = caller.identity.role if caller and caller.identity else None
    menu = [
        (href, label) for href, label, command in MENU if role and role >= command.required_role
    ]
    return templates.TemplateResponse(
        request,
        template,
        {"caller": caller, "csrf_token": csrf, "menu": menu, **context},
        status_code=status,
    )


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/status", status_code=303)


@router.get("/setup")
async def setup_page(request: Request, bus: BusDep, settings: SettingsDep) -> Response:
    state = await bus.request(GetSetupState(), settings.bus_timeout_s)
    if not state.is_setup_required:
        return RedirectResponse("/login", status_code=303)
    return render_page(request, "setup.html", None, errors={}, name="")


@router.post("/setup")
async def create_administrator(
    request: Request,
    bus: BusDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
    accept_licence: Annotated[bool, Form()] = False,
) -> Response:
    errors: dict[str, str] = {}
    if password != password_again:
        errors["password_again"] = "The two passwords differ; type the same password twice."
    if not errors:
        try:
            await bus.request(
                command_from_fields(
                    CreateFirstAdministrator,
                    name=name,
                    password=password,
                    accept_licence=accept_licence,
                ),
                settings.bus_timeout_s,
            )
            session = await start_session(bus, settings, request, name, password)
        except Conflict:
            return RedirectResponse("/login", status_code=303)
        except (Invalid, Unauthenticated) as exc:
            errors = field_errors(exc, SETUP_FIELDS)
        else:
            response = RedirectResponse("/status", status_code=303)
            set_session_cookie(response, session, settings)
            return response
    return render_page(request, "setup.html", None, errors=errors, name=name, status_code=400)


@router.get("/login")
async def login_page(request: Request, next: str = "/status") -> Response:
    return render_page(request, "login.html", None, errors={}, name="", next=_local(next))


@router.post("/login")
async def log_in(
    request: Request,
    bus: BusDep,
    settings: SettingsDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/status",
) -> Response:
    try:
        session = await start_session(bus, settings, request, name, password)
    except (Unauthenticated, Invalid) as exc:
        return render_page(
            request,
            "login.html",
            None,
            errors={"form": exc.message},
            name=name,
            next=_local(next),
            status_code=401,
        )
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(response, session, settings)
    return response


@router.post("/logout")
async def log_out(caller: CallerDep, bus: BusDep, settings: SettingsDep) -> Response:
    await end_session(caller.session, bus, settings)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/status")
async def status_page(
    request: Request, caller: CallerDep, device: DeviceDep, bus: ActingBusDep, feed: FeedDep
) -> Response:
    try:
        time_status: TimeStatus | None = await bus.request(GetTimeStatus())
    except BusError:
        time_status = None
    return render_page(
        request,
        "status.html",
        caller,
        device=await device.properties(),
        time_status=time_status,
        is_https=request.url.scheme == "https",
        live_clients=feed.subscriber_count,
    )


@router.get("/accessories")
async def accessories_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _accessories(request, caller, bus, errors={})


async def _accessories(
    request: Request, caller: Caller, bus: ActingBus, errors: dict[str, str], status_code: int = 200
) -> Response:
    port_list = await ports.list_ports(bus)
    role = caller.identity.role if caller.identity else None
    return render_page(
        request,
        "accessories.html",
        caller,
        ports=port_list.ports,
        can_configure=role is not None and role >= ConfigurePort.required_role,
        is_simulated=await _is_simulated(bus),
        circuits=[circuit.value for circuit in Circuit],
        errors=errors,
        status_code=status_code,
    )


async def _is_simulated(bus: ActingBus) -> bool:
    try:
        status = await bus.request(GetServiceStatus(service="io"))
    except BusError:
        return False
    return status.adapter == "sim"


@router.post("/accessories/{port_id}/state")
async def set_port_state(
    request: Request,
    port_id: PathId,
    caller: CallerDep,
    bus: ActingBusDep,
    is_active: Annotated[bool, Form()] = False,
) -> Response:
    try:
        await ports.set_port_state(port_id, ports.PortState(is_active=is_active), bus)
    except (Invalid, Conflict, Unavailable) as exc:
        return await _accessories(request, caller, bus, {f"port-{port_id}": exc.message}, 400)
    return RedirectResponse("/accessories", status_code=303)


PORT_FIELDS = {
    "name": ("name",),
    "direction": ("direction", "output", "input"),
    "normal_state": ("normal_state", "normal state"),
    "is_supervised": ("supervis",),
    "debounce_ms": ("debounce",),
}


@router.post("/accessories/{port_id}/configure")
async def configure_port(
    request: Request,
    port_id: PathId,
    caller: CallerDep,
    bus: ActingBusDep,
    name: Annotated[str, Form()] = "",
    direction: Annotated[str, Form()] = "",
    normal_state: Annotated[str, Form()] = "",
    is_supervised: Annotated[bool, Form()] = False,
    debounce_ms: Annotated[str, Form()] = "",
) -> Response:
    try:
        await bus.request(
            command_from_fields(
                ConfigurePort,
                port_id=port_id,
                # An empty field keeps its value.
                name=name or None,
                direction=direction or None,
                normal_state=normal_state or None,
                is_supervised=is_supervised,
                debounce_ms=debounce_ms or None,
            )
        )
    except (Invalid, Conflict, Unavailable) as exc:
        found = field_errors(exc, PORT_FIELDS)
        errors = {f"config-{port_id}-{key}": sentence for key, sentence in found.items()}
        return await _accessories(request, caller, bus, errors, 400)
    return RedirectResponse("/accessories", status_code=303)


@router.post("/simulator/ignition")
async def switch_ignition(
    request: Request, caller: CallerDep, bus: ActingBusDep, is_on: Annotated[bool, Form()] = False
) -> Response:
    try:
        await ports.switch_ignition(ports.Ignition(is_on=is_on), bus)
    except (Invalid, Unavailable) as exc:
        return await _accessories(request, caller, bus, {"sim-ignition": exc.message}, 400)
    return RedirectResponse("/accessories", status_code=303)


@router.post("/simulator/button")
async def press_button(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    try:
        await ports.press_button(bus)
    except (Invalid, Unavailable) as exc:
        return await _accessories(request, caller, bus, {"sim-button": exc.message}, 400)
    return RedirectResponse("/accessories", status_code=303)


@router.post("/simulator/ports/{port_id}/drive")
async def drive_input(
    request: Request,
    port_id: PathId,
    caller: CallerDep,
    bus: ActingBusDep,
    circuit: Annotated[str, Form()] = "",
) -> Response:
    try:
        await ports.drive_input(port_id, ports.Drive(circuit=Circuit(circuit)), bus)
    except ValueError:
        return await _accessories(
            request, caller, bus, {f"sim-{port_id}": f"circuit {circuit!r} is unknown"}, 400
        )
    except (Invalid, Conflict, Unavailable) as exc:
        return await _accessories(request, caller, bus, {f"sim-{port_id}": exc.message}, 400)
    return RedirectResponse("/accessories", status_code=303)


@router.get("/live/ports")
async def live_ports(
    request: Request, _caller: CallerDep, bus: ActingBusDep, feed: FeedDep
) -> StreamingResponse:
    """Server-sent events: each port's row, rendered again whenever the port changes."""
    snapshot: PortList = await ports.list_ports(bus)
    by_id = {port.port_id: port for port in snapshot.ports}
    fragment = templates.get_template("port_state.html")

    def render(port: Port) -> str:
        return server_sent_event(f"port-{port.port_id}", fragment.render(port=port))

    def changed(event: PortChanged) -> str | None:
        known = by_id.get(event.port_id)
        if known is None:
            return None
        by_id[event.port_id] = _apply(known, event)
        return render(by_id[event.port_id])

    # The page was rendered before the stream subscribed: the state of now comes first.
    return live_response(request, feed, [render(port) for port in by_id.values()], changed)


def _apply(port: Port, event: PortChanged) -> Port:
    return port.model_copy(update={"is_active": event.is_active, "circuit": event.circuit})


def _local(target: str) -> str:
    """Only redirect within the site (no open redirects)."""
    return target if target.startswith("/") and not target.startswith("//") else "/status"

"""Accessories: the I/O ports, the ignition, the status LED and the simulated hardware.

Each port's row is kept live over server-sent events (``/live/ports``, the Status page's too).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.responses import Response

from actkit_proto.errors import BusError, Conflict, Invalid, Unavailable
from actkit_proto.io import Circuit, ConfigurePort, LedShown, Port, PortChanged, PortList
from actkit_proto.service import GetServiceStatus
from actkit_web.api import ports
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, FeedDep, command_from_fields
from actkit_web.http.feed import live_response, server_sent_event
from actkit_web.http.ids import PathId
from actkit_web.pages.rendering import render_page, templates
from actkit_web.pages.submit import checkbox, field_errors

router = APIRouter(include_in_schema=False)


@router.get("/accessories")
async def accessories_page(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _accessories(request, caller, bus, errors={})


async def _accessories(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    errors: dict[str, str],
    status_code: int = 200,
    typed: dict[int, dict[str, str]] | None = None,
) -> Response:
    """The page; a refused port configuration comes back as it was ``typed``."""
    port_list = await ports.list_ports(bus)
    role = caller.identity.role if caller.identity else None
    return render_page(
        request,
        "accessories.html",
        caller,
        ports=port_list.ports,
        can_configure=role is not None and role >= ConfigurePort.required_role,
        is_simulated=await _is_simulated(bus),
        ignition=await ports.current_ignition(bus.bus),
        led=await _led(bus),
        circuits=[circuit.value for circuit in Circuit],
        errors=errors,
        typed=typed or {},
        status_code=status_code,
    )


async def _led(bus: ActingBus) -> LedShown | None:
    """What the status LED shows; none when io does not answer."""
    try:
        return await ports.get_led(bus)
    except BusError:
        return None


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
    is_active: Annotated[str, Form()] = "",
) -> Response:
    try:
        state = command_from_fields(ports.PortState, is_active=checkbox(is_active))
        await ports.set_port_state(port_id, state, bus)
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
    is_supervised: Annotated[str, Form()] = "",
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
                is_supervised=checkbox(is_supervised),
                debounce_ms=debounce_ms or None,
            )
        )
    except (Invalid, Conflict, Unavailable) as exc:
        found = field_errors(exc, PORT_FIELDS)
        errors = {f"config-{port_id}-{key}": sentence for key, sentence in found.items()}
        typed = {
            "name": name,
            "direction": direction,
            "normal_state": normal_state,
            "is_supervised": is_supervised,
            "debounce_ms": debounce_ms,
        }
        return await _accessories(request, caller, bus, errors, 400, {port_id: typed})
    return RedirectResponse("/accessories", status_code=303)


@router.post("/simulator/ignition")
async def switch_ignition(
    request: Request, caller: CallerDep, bus: ActingBusDep, is_on: Annotated[str, Form()] = ""
) -> Response:
    try:
        ignition = command_from_fields(ports.Ignition, is_on=checkbox(is_on))
        await ports.switch_ignition(ignition, bus)
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
    by_id: dict[int, Port] = {}
    fragment = templates.get_template("port_state.html")

    def render(port: Port) -> str:
        return server_sent_event(f"port-{port.port_id}", fragment.render(port=port))

    def changed(event: PortChanged) -> str | None:
        known = by_id.get(event.port_id)
        if known is None:
            return None
        by_id[event.port_id] = _apply(known, event)
        return render(by_id[event.port_id])

    async def now() -> list[str]:
        # The page was rendered before the stream subscribed: the state of now comes first,
        # read once subscribed.
        snapshot: PortList = await ports.list_ports(bus)
        by_id.update((port.port_id, port) for port in snapshot.ports)
        return [render(port) for port in snapshot.ports]

    return live_response(request, feed, now, changed)


def _apply(port: Port, event: PortChanged) -> Port:
    return port.model_copy(update={"is_active": event.is_active, "circuit": event.circuit})

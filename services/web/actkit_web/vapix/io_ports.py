"""VAPIX I/O port management and port.cgi: ports as Axis port items, set and pulsed through io."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from actkit_proto import io
from actkit_proto.errors import Conflict, Invalid, NotFound
from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    GetPort,
    ListPorts,
    Port,
    PulsePort,
    SetPort,
)
from actkit_web.http.deps import ActingBus, acting_bus, command_from_fields
from actkit_web.vapix.cgi import (
    INVALID_PARAMETER,
    UNSUPPORTED_METHOD,
    answer,
    cgi,
    error_answer,
    json_call,
    versions,
)

_ACTION = re.compile(r"^(?P<port>\d{1,2}):(?P<first>[/\\])(?:(?P<ms>\d{1,7})(?P<then>[/\\]))?$")


def vapix_port_id(port: Port) -> str:
    """VAPIX numbers ports from 0; the connector from 1."""
    return io.vapix_port_id(port.port_id)


def actkit_port_id(vapix_id: str) -> int:
    """The connector's port number of a 0-based VAPIX port id.

    Raises:
        Invalid: not a port id.
    """
    if not vapix_id.isdigit() or len(vapix_id) > 2:
        raise Invalid(f"port {vapix_id!r} is not a port number (0-based)")
    return io.port_id_of_vapix(int(vapix_id))


def circuit_word(circuit: Circuit) -> str:
    """VAPIX knows only open and closed: a cut line reads open, a shorted one closed."""
    return "closed" if circuit in (Circuit.CLOSED, Circuit.SHORT) else "open"


def port_item(port: Port) -> dict[str, object]:
    return {
        "port": vapix_port_id(port),
        "configurable": port.is_configurable,
        "usage": "",
        "name": port.name,
        "direction": port.direction.value,
        "state": circuit_word(port.circuit),
        "normalState": circuit_word(port.normal_state),
    }


def active_circuit(port: Port) -> str:
    return "open" if port.normal_state is Circuit.CLOSED else "closed"


def is_active_for_state(port: Port, state: str) -> bool:
    """Whether asking a port's circuit to be ``state`` (open/closed) makes it active.

    Raises:
        Invalid: the state is neither open nor closed.
    """
    if state not in ("open", "closed"):
        raise Invalid(f"state must be open or closed, not {state!r}")
    return state != circuit_word(port.normal_state)


@dataclass(frozen=True)
class PortAction:
    r"""A port.cgi action: ``2:/`` active, ``2:\`` inactive, ``2:/300\`` a 300 ms pulse."""

    port_id: int
    """The connector's port number (port.cgi counts from 1, like the connector)."""
    is_active: bool
    pulse_ms: int | None = None


def parse_port_action(action: str) -> PortAction:
    r"""Parse a port.cgi ``action``.

    Raises:
        Invalid: it is not ``<port>:/``, ``<port>:\`` or ``<port>:/<ms>\``.
    """
    match = _ACTION.match(action)
    if match is None:
        raise Invalid(f"action {action!r} is not <port>:/ or <port>:\\ or <port>:/<ms>\\")
    is_active = match["first"] == "/"
    port_id = int(match["port"])
    if match["ms"] is None:
        return PortAction(port_id, is_active)
    if (match["then"] == "/") == is_active:
        raise Invalid(f"action {action!r} must return to the other state after the pulse")
    return PortAction(port_id, is_active, int(match["ms"]))


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
    # As Starlette reads the query (the last of a repeated field wins), without its multidict.
    fields = dict(
        parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)
    )
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
        await bus.request(bus.command(SetPort, port_id=action.port_id, is_active=action.is_active))
    else:
        await bus.request(
            bus.command(
                PulsePort,
                port_id=action.port_id,
                duration_ms=action.pulse_ms,
                is_active=action.is_active,
            )
        )
    return PlainTextResponse("OK\n")


ROUTES = [
    cgi("/io/portmanagement.cgi", port_management, "POST"),
    cgi("/io/port.cgi", port_cgi, "GET"),
]

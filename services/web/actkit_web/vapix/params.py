"""VAPIX param.cgi: the Brand, Properties and I/O port parameters, and updates of port names."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from actkit_proto.errors import Invalid
from actkit_proto.io import ConfigurePort, Direction, ListPorts, Port
from actkit_web.http.deps import ActingBus, acting_bus, command_from_fields, get_device
from actkit_web.http.device import BRAND, BUILD_DATE, DeviceIdentity
from actkit_web.vapix.cgi import cgi, form_fields
from actkit_web.vapix.io_ports import active_circuit, actkit_port_id, vapix_port_id

_IOPORT_PARAMETER = re.compile(
    r"^(?:root\.)?IOPort\.I(?P<port>\d{1,2})\.(?P<key>Input\.Name|Output\.Name|Direction)$"
)


def port_settings_update(fields: dict[str, str]) -> dict[int, dict[str, str]]:
    """The port settings a ``param.cgi?action=update`` asks for, by connector port number.

    Raises:
        Invalid: a parameter is not an I/O port's name or direction.
    """
    changes: dict[int, dict[str, str]] = {}
    for key, value in fields.items():
        if key == "action":
            continue
        match = _IOPORT_PARAMETER.match(key)
        if match is None:
            raise Invalid(f"parameter {key} cannot be updated here")
        field = "direction" if match["key"] == "Direction" else "name"
        changes.setdefault(actkit_port_id(match["port"]), {})[field] = value
    return changes


def ioport_lines(ports: list[Port]) -> list[str]:
    lines = []
    for port in ports:
        prefix = f"root.IOPort.I{vapix_port_id(port)}"
        lines += [
            f"{prefix}.Configurable={'yes' if port.is_configurable else 'no'}",
            f"{prefix}.Direction={port.direction.value}",
        ]
        if port.direction is Direction.INPUT:
            lines += [
                f"{prefix}.Input.Name={port.name}",
                f"{prefix}.Input.Trig={active_circuit(port)}",
            ]
        else:
            lines += [
                f"{prefix}.Output.Name={port.name}",
                f"{prefix}.Output.Active={active_circuit(port)}",
                f"{prefix}.Output.Button=none",
                f"{prefix}.Output.DelayTime=0",
                f"{prefix}.Output.Mode=bistable",
                f"{prefix}.Output.PulseTime=0",
            ]
    inputs = sum(port.direction is Direction.INPUT for port in ports)
    return [
        *lines,
        f"root.Input.NbrOfInputs={inputs}",
        f"root.Output.NbrOfOutputs={len(ports) - inputs}",
    ]


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


ROUTES = [cgi("/param.cgi", param_cgi, "GET", "POST")]

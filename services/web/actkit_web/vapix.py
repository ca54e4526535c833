"""VAPIX translations: ports to Axis port items and parameters, port.cgi actions, group lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from actkit_proto import io
from actkit_proto.base import Role
from actkit_proto.errors import Invalid
from actkit_proto.io import Circuit, Direction, Port

API_LIST = (
    ("api-discovery", "1.0", "API Discovery Service"),
    ("basic-device-info", "1.1", "Basic Device Information"),
    ("io-port-management", "1.0", "IO Port Management"),
    ("param-cgi", "1.0", "Legacy Parameter Handling"),
    ("user-management", "1.0", "User Management"),
    ("mqtt-client", "1.0", "MQTT Client API"),
    ("event-mqtt-bridge", "1.0", "MQTT Event Bridge"),
    ("event-streaming-over-websocket", "1.0", "Event streaming over WebSocket"),
)
API_VERSIONS = {api_id: version for api_id, version, _ in API_LIST}

_IOPORT_PARAMETER = re.compile(
    r"^(?:root\.)?IOPort\.I(?P<port>\d{1,2})\.(?P<key>Input\.Name|Output\.Name|Direction)$"
)
_ACTION = re.compile(r"^(?P<port>\d{1,2}):(?P<first>[/\\])(?:(?P<ms>\d{1,7})(?P<then>[/\\]))?$")


def form_fields(query: str, body: bytes) -> dict[str, str]:
    """Query and body fields of a CGI call: the body is a form whatever its content type says.

    Clients post ``action=list&group=...`` labelled ``text/plain``; body fields win.
    """
    fields = dict(parse_qsl(query, keep_blank_values=True))
    text = body.decode("utf-8", errors="replace")
    fields.update(parse_qsl(text.strip(), keep_blank_values=True))
    return fields


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


def role_of_groups(groups: str) -> Role:
    """The role a VAPIX ``sgrp`` (``viewer:operator:admin[:ptz]``) gives.

    Raises:
        Invalid: it names none of viewer, operator, admin.
    """
    names = set(groups.split(":"))
    for name, role in (("admin", Role.ADMINISTRATOR), ("operator", Role.OPERATOR)):
        if name in names:
            return role
    if "viewer" in names:
        return Role.VIEWER
    raise Invalid(
        f"sgrp {groups!r} names no group; use viewer, viewer:operator or viewer:operator:admin"
    )


def group_lines(accounts: list[tuple[str, Role, bool]]) -> str:
    """``pwdgrp.cgi?action=get``: each group's members; ``users`` are all but the first admin."""

    def members(least: Role) -> str:
        return ",".join(name for name, role, _ in accounts if role >= least)

    users = ",".join(name for name, _, is_first in accounts if not is_first)
    return (
        f'admin="{members(Role.ADMINISTRATOR)}"\n'
        f'operator="{members(Role.OPERATOR)}"\n'
        f'viewer="{members(Role.VIEWER)}"\n'
        'ptz=""\n'
        f'users="{users}"\n'
    )


def role_groups(role: Role) -> list[str]:
    """The VAPIX groups of a role: each role includes the ones below it."""
    groups = ["viewer"]
    if role >= Role.OPERATOR:
        groups.insert(0, "operator")
    if role >= Role.ADMINISTRATOR:
        groups.insert(0, "admin")
    return groups


INPUT_TOPIC = "tns1:Device/tnsaxis:IO/Port"
RELAY_TOPIC = "tns1:Device/Trigger/Relay"


def _event_parts(port: Port) -> tuple[str, str, str, str]:
    """Topic, source item name, data item name and value of a port's state event."""
    if port.direction is Direction.INPUT:
        return INPUT_TOPIC, "port", "state", "1" if port.is_active else "0"
    return RELAY_TOPIC, "RelayToken", "LogicalState", "active" if port.is_active else "inactive"


def event_notification(port: Port, timestamp_ms: int) -> dict[str, object]:
    """A port's state as one ``events:notify`` frame of the websocket event stream."""
    topic, source, name, value = _event_parts(port)
    return {
        "apiVersion": "1.0",
        "method": "events:notify",
        "params": {
            "notification": {
                "topic": topic,
                "timestamp": timestamp_ms,
                "message": {
                    "source": {source: vapix_port_id(port)},
                    "key": {},
                    "data": {name: value},
                },
            }
        },
    }


def event_document(port: Port, operation: str, utc_time: str) -> str:
    """One ONVIF metadata document carrying a port's state, as the RTSP event stream sends it.

    Inputs are ``IO/Port`` events (``state`` 1/0), outputs ``Trigger/Relay`` events
    (``LogicalState`` active/inactive), each with the 0-based VAPIX port id as source.
    """
    topic, source, name, value = _event_parts(port)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema"><tt:Event>'
        '<wsnt:NotificationMessage xmlns:tns1="http://www.onvif.org/ver10/topics" '
        'xmlns:tnsaxis="http://www.axis.com/2009/event/topics" '
        'xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2">'
        '<wsnt:Topic Dialect="http://docs.oasis-open.org/wsn/t-1/TopicExpression/Simple">'
        f"{topic}</wsnt:Topic>"
        f'<wsnt:Message><tt:Message UtcTime="{utc_time}" PropertyOperation="{operation}">'
        f'<tt:Source><tt:SimpleItem Name="{source}" Value="{vapix_port_id(port)}"/></tt:Source>'
        "<tt:Key></tt:Key>"
        f'<tt:Data><tt:SimpleItem Name="{name}" Value="{value}"/></tt:Data>'
        "</tt:Message></wsnt:Message></wsnt:NotificationMessage></tt:Event></tt:MetadataStream>"
    )

"""ONVIF DeviceIO: the ports as digital inputs and relay outputs, switched through io.

Tokens are the 0-based VAPIX port ids (``"8"`` is connector port 9, the relay). Every port
configured as an output is a relay output; a relay's idle state is the port's normal state
(stored by io, so configuring it is an administrator's); monostable mode, which io does not
know, is kept here and makes an "active" a pulse of the delay time that ends at idle.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from actkit_proto.io import (
    Circuit,
    ConfigurePort,
    Direction,
    ListPorts,
    Port,
    PulsePort,
    SetPort,
    vapix_port_id,
)
from actkit_web.http.deps import command_from_fields
from actkit_web.onvif.access import AccessClass
from actkit_web.onvif.service import Call, Handler, Operations, RelayMode
from actkit_web.onvif.soap import (
    TDS,
    TMD,
    Fault,
    child,
    element,
    find_text,
    invalid_argument,
    parse_duration,
    qualified,
    required_text,
)

MAX_DELAY = timedelta(hours=1)


def deviceio_capabilities(tag: str, inputs: int, relays: int) -> ET.Element:
    return element(
        tag,
        VideoSources="0",
        VideoOutputs="0",
        AudioSources="0",
        AudioOutputs="0",
        RelayOutputs=str(relays),
        SerialPorts="0",
        DigitalInputs=str(inputs),
    )


async def _ports(call: Call, direction: Direction) -> list[Port]:
    return [p for p in (await call.bus.request(ListPorts())).ports if p.direction is direction]


async def _relay(call: Call, token: str) -> Port:
    for port in await _ports(call, Direction.OUTPUT):
        if vapix_port_id(port.port_id) == token.strip():
            return port
    raise invalid_argument(f"{token[:16]!r} is no relay output's token", "RelayToken")


def _idle_state(port: Port) -> str:
    return "closed" if port.normal_state is Circuit.CLOSED else "open"


def _delay_text(delay_s: float) -> str:
    return f"PT{delay_s:g}S"


async def get_service_capabilities(call: Call) -> ET.Element:
    ports = (await call.bus.request(ListPorts())).ports
    inputs = sum(port.direction is Direction.INPUT for port in ports)
    answer = element("tmd:GetServiceCapabilitiesResponse")
    answer.append(deviceio_capabilities("tmd:Capabilities", inputs, len(ports) - inputs))
    return answer


async def get_digital_inputs(call: Call) -> ET.Element:
    answer = element("tmd:GetDigitalInputsResponse")
    for port in await _ports(call, Direction.INPUT):
        child(
            answer,
            "tmd:DigitalInputs",
            token=vapix_port_id(port.port_id),
            IdleState=_idle_state(port),
        )
    return answer


def _relay_outputs(prefix: str) -> Handler:
    async def get_relay_outputs(call: Call) -> ET.Element:
        answer = element(f"{prefix}:GetRelayOutputsResponse")
        for port in await _ports(call, Direction.OUTPUT):
            mode = call.state.relay_modes.get(port.port_id, RelayMode())
            relay = child(answer, f"{prefix}:RelayOutputs", token=vapix_port_id(port.port_id))
            properties = child(relay, "tt:Properties")
            child(properties, "tt:Mode", "Monostable" if mode.is_monostable else "Bistable")
            child(properties, "tt:DelayTime", _delay_text(mode.delay_s))
            child(properties, "tt:IdleState", _idle_state(port))
        return answer

    return get_relay_outputs


async def get_relay_output_options(call: Call) -> ET.Element:
    token = find_text(call.operation, "tmd:RelayOutputToken")
    relays = [await _relay(call, token)] if token else await _ports(call, Direction.OUTPUT)
    answer = element("tmd:GetRelayOutputOptionsResponse")
    for port in relays:
        options = child(answer, "tmd:RelayOutputOptions", token=vapix_port_id(port.port_id))
        child(options, "tmd:Mode", "Monostable")
        child(options, "tmd:Mode", "Bistable")
        child(options, "tmd:DelayTimes", f"0.001 {MAX_DELAY.total_seconds():g}")
        child(options, "tmd:Discrete", False)
    return answer


async def set_relay_output_settings(call: Call) -> ET.Element:
    """Both shapes: ``tds`` (RelayOutputToken + Properties) and ``tmd`` (RelayOutput token=)."""
    operation = call.operation
    if operation.tag.startswith(f"{{{TMD}}}"):
        relay_element = operation.find(qualified("tmd:RelayOutput"))
        if relay_element is None:
            raise invalid_argument("RelayOutput is missing")
        token = relay_element.get("token", "")
        properties = relay_element.find(qualified("tt:Properties"))
        answer = element("tmd:SetRelayOutputSettingsResponse")
    else:
        token = required_text(operation, "tds:RelayOutputToken")
        properties = operation.find(qualified("tds:Properties"))
        answer = element("tds:SetRelayOutputSettingsResponse")
    if properties is None:
        raise invalid_argument("Properties are missing")
    port = await _relay(call, token)
    mode = _relay_mode(properties)
    idle = required_text(properties, "tt:IdleState")
    if idle not in ("open", "closed"):
        raise invalid_argument(f"IdleState must be open or closed, not {idle[:16]!r}")
    if idle != _idle_state(port):
        await call.bus.request(
            command_from_fields(ConfigurePort, port_id=port.port_id, normal_state=idle)
        )
    call.state.relay_modes[port.port_id] = mode
    return answer


def _relay_mode(properties: ET.Element) -> RelayMode:
    mode = required_text(properties, "tt:Mode")
    if mode not in ("Monostable", "Bistable"):
        raise invalid_argument(f"Mode must be Monostable or Bistable, not {mode[:16]!r}")
    delay = parse_duration(find_text(properties, "tt:DelayTime") or "PT0S")
    if mode == "Bistable":
        return RelayMode()
    if not timedelta(milliseconds=1) <= delay <= MAX_DELAY:
        raise Fault(
            f"a monostable relay's DelayTime must be from 1 ms to {MAX_DELAY}",
            "InvalidArgVal",
            "ModeError",
        )
    return RelayMode(is_monostable=True, delay_s=delay.total_seconds())


async def set_relay_output_state(call: Call) -> ET.Element:
    prefix = "tmd" if call.operation.tag.startswith(f"{{{TMD}}}") else "tds"
    port = await _relay(call, required_text(call.operation, f"{prefix}:RelayOutputToken"))
    state = required_text(call.operation, f"{prefix}:LogicalState")
    if state not in ("active", "inactive"):
        raise invalid_argument(f"LogicalState must be active or inactive, not {state[:16]!r}")
    mode = call.state.relay_modes.get(port.port_id, RelayMode())
    if state == "active" and mode.is_monostable:
        await call.bus.request(
            command_from_fields(
                PulsePort, port_id=port.port_id, duration_ms=max(1, round(mode.delay_s * 1000))
            )
        )
        # io ends a pulse at the level last set; a monostable relay ends at idle whatever it was
        # before. Set after the pulse began, so an active relay does not drop between the two.
        await call.bus.request(command_from_fields(SetPort, port_id=port.port_id, is_active=False))
    else:
        await call.bus.request(
            command_from_fields(SetPort, port_id=port.port_id, is_active=state == "active")
        )
    return element(f"{prefix}:SetRelayOutputStateResponse")


def _in(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


OPERATIONS: Operations = {
    _in(TMD, "GetServiceCapabilities"): (get_service_capabilities, AccessClass.PRE_AUTH),
    _in(TMD, "GetRelayOutputOptions"): (get_relay_output_options, AccessClass.PRE_AUTH),
    _in(TMD, "GetDigitalInputs"): (get_digital_inputs, AccessClass.READ_SYSTEM),
    _in(TDS, "GetRelayOutputs"): (_relay_outputs("tds"), AccessClass.READ_MEDIA),
    _in(TMD, "GetRelayOutputs"): (_relay_outputs("tmd"), AccessClass.READ_MEDIA),
    _in(TDS, "SetRelayOutputSettings"): (set_relay_output_settings, AccessClass.ACTUATE),
    _in(TMD, "SetRelayOutputSettings"): (set_relay_output_settings, AccessClass.ACTUATE),
    _in(TDS, "SetRelayOutputState"): (set_relay_output_state, AccessClass.ACTUATE),
    _in(TMD, "SetRelayOutputState"): (set_relay_output_state, AccessClass.ACTUATE),
}

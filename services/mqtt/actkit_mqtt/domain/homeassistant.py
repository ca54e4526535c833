"""Home Assistant MQTT discovery: inputs as binary sensors, outputs as switches."""

from __future__ import annotations

import json

from actkit_mqtt.domain import Outgoing, connection_message
from actkit_proto import Invalid
from actkit_proto.io import Direction, Port
from actkit_proto.mqtt import ClientSettings, HomeAssistant

ON, OFF = "ON", "OFF"


def state_topic(prefix: str, port_id: int) -> str:
    """Where a port's state is published for Home Assistant."""
    return f"{prefix}/homeassistant/port/{port_id}/state"


def command_filter(prefix: str) -> str:
    """The filter that receives switch commands for every output."""
    return f"{prefix}/homeassistant/port/+/set"


def _config_topic(settings: HomeAssistant, port: Port, serial: str) -> str:
    component = "switch" if port.direction is Direction.OUTPUT else "binary_sensor"
    return f"{settings.discovery_prefix}/{component}/actkit_{serial}/port{port.port_id}/config"


def _availability(client: ClientSettings, prefix: str, serial: str) -> dict[str, str]:
    will, hello = client.last_will, client.connect_message
    if not will.is_enabled:
        return {}
    if will.uses_default:
        return {
            "availability_topic": connection_message(will, prefix, serial, False).topic,
            "availability_template": "{{ 'online' if value_json.connected else 'offline' }}",
        }
    # A custom will says "offline"; "online" needs a connect message on the same topic.
    if not (hello.is_enabled and not hello.uses_default and hello.topic == will.topic):
        return {}
    return {
        "availability_topic": will.topic,
        "payload_available": hello.payload,
        "payload_not_available": will.payload,
    }


def discovery_messages(
    settings: HomeAssistant, client: ClientSettings, ports: list[Port], prefix: str, serial: str
) -> list[Outgoing]:
    """The retained config of each port, followed by its current state."""
    device = {
        "identifiers": [f"actkit_{serial}"],
        "name": f"Activation kit {serial}",
        "manufacturer": "actkit",
        "model": "W401",
        "serial_number": serial,
    }
    messages = []
    for port in ports:
        config: dict[str, object] = {
            "name": port.name or f"Port {port.port_id}",
            "unique_id": f"actkit_{serial}_port{port.port_id}",
            "state_topic": state_topic(prefix, port.port_id),
            "payload_on": ON,
            "payload_off": OFF,
            "device": device,
            **_availability(client, prefix, serial),
        }
        if port.direction is Direction.OUTPUT:
            config["command_topic"] = command_filter(prefix).replace("+", str(port.port_id))
        messages.append(
            Outgoing(
                _config_topic(settings, port, serial),
                json.dumps(config, separators=(",", ":")),
                qos=1,
                retain=True,
            )
        )
    messages += [state_message(prefix, port.port_id, port.is_active) for port in ports]
    return messages


def removal_messages(settings: HomeAssistant, ports: list[Port], serial: str) -> list[Outgoing]:
    """Empty retained configs: Home Assistant forgets the entities."""
    return [
        Outgoing(_config_topic(settings, port, serial), "", qos=1, retain=True) for port in ports
    ]


def state_message(prefix: str, port_id: int, is_active: bool) -> Outgoing:
    """A port's state as Home Assistant reads it (retained, so it shows after a restart)."""
    return Outgoing(state_topic(prefix, port_id), ON if is_active else OFF, qos=1, retain=True)


def parse_command(prefix: str, topic: str, payload: str) -> tuple[int, bool]:
    """The port and wanted state of a switch command received on ``topic``.

    Raises:
        Invalid: the topic names no port number, or the payload is neither ON nor OFF.
    """
    head, _, rest = topic.partition(f"{prefix}/homeassistant/port/")
    port_text = rest.removesuffix("/set")
    if head or not port_text.isdigit():
        raise Invalid(f"{topic!r} is not a Home Assistant switch command topic")
    if payload.strip().upper() not in (ON, OFF):
        raise Invalid(f"switch command payload must be ON or OFF, not {payload[:40]!r}")
    return int(port_text), payload.strip().upper() == ON

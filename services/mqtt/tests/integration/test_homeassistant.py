import json

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_core.testing.mosquitto import Mosquitto, MqttPeer
from actkit_proto.io import Circuit, Direction, ListPorts, Port, PortChanged, PortList, SetPort
from actkit_proto.mqtt import ConnectionState, HomeAssistant, MessageSpec, SetHomeAssistant

from .conftest import SERIAL, connect, wait_state

PORTS = [
    Port(
        port_id=1,
        name="Door",
        direction=Direction.INPUT,
        normal_state=Circuit.OPEN,
        is_configurable=True,
        is_active=True,
        circuit=Circuit.CLOSED,
    ),
    Port(
        port_id=9,
        name="Relay",
        direction=Direction.OUTPUT,
        normal_state=Circuit.OPEN,
        is_configurable=False,
        is_active=False,
        circuit=Circuit.OPEN,
    ),
]


async def test_discovery_announces_ports_and_switch_commands_set_outputs(
    service: Bus, nats_server: str, mosquitto: Mosquitto, mqtt_peer: MqttPeer
) -> None:
    switched: list[tuple[int, bool]] = []

    async def list_ports(_command: ListPorts, _deps: None) -> PortList:
        return PortList(ports=PORTS)

    async def set_port(command: SetPort, _deps: None) -> Port:
        switched.append((command.port_id, command.is_active))
        return PORTS[1].model_copy(update={"is_active": command.is_active})

    async with Bus.connect("io", servers=[nats_server]) as io:
        await io.serve({ListPorts: list_ports, SetPort: set_port}, None, version="0.0.0")
        mqtt_peer.subscribe("homeassistant/#")
        mqtt_peer.subscribe(f"axis/{SERIAL}/homeassistant/#")
        await connect(service, mosquitto, last_will=MessageSpec(is_enabled=True))
        await wait_state(service, ConnectionState.CONNECTED)
        await service.request(SetHomeAssistant(settings=HomeAssistant(is_enabled=True)))

        [switch] = await mqtt_peer.wait_for(f"homeassistant/switch/actkit_{SERIAL}/port9/config")
        [sensor] = await mqtt_peer.wait_for(
            f"homeassistant/binary_sensor/actkit_{SERIAL}/port1/config"
        )
        config = json.loads(switch.payload)
        assert config["name"] == "Relay"
        assert config["command_topic"] == f"axis/{SERIAL}/homeassistant/port/9/set"
        assert config["availability_topic"] == f"axis/{SERIAL}/event/connection"
        assert (
            json.loads(sensor.payload)["state_topic"] == f"axis/{SERIAL}/homeassistant/port/1/state"
        )
        [door] = await mqtt_peer.wait_for(f"axis/{SERIAL}/homeassistant/port/1/state")
        assert door.payload == b"ON"

        mqtt_peer.publish(config["command_topic"], "ON")
        mqtt_peer.publish(config["command_topic"], "maybe")  # refused, logged, nothing switched

        assert await eventually(lambda: switched, timeout_s=15) == [(9, True)]
        await service.publish(
            PortChanged(
                port_id=9,
                direction=Direction.OUTPUT,
                is_active=True,
                circuit=Circuit.CLOSED,
                edge_ns=1,
            )
        )
        relay = await mqtt_peer.wait_for(f"axis/{SERIAL}/homeassistant/port/9/state", count=2)
        assert [message.payload for message in relay] == [b"OFF", b"ON"]

        await service.request(SetHomeAssistant(settings=HomeAssistant(is_enabled=False)))
        removed = await mqtt_peer.wait_for(f"homeassistant/switch/actkit_{SERIAL}/port9/config", 2)
        assert removed[-1].payload == b""

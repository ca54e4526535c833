import json

import pytest

from actkit_mqtt.domain import homeassistant
from actkit_proto import Invalid
from actkit_proto.io import Circuit, Direction, Port
from actkit_proto.mqtt import ClientSettings, HomeAssistant, MessageSpec

PREFIX = "axis/X"
RELAY = Port(
    port_id=9,
    name="",
    direction=Direction.OUTPUT,
    normal_state=Circuit.OPEN,
    is_configurable=False,
    is_active=False,
    circuit=Circuit.OPEN,
)


def test_switch_commands_name_the_port_and_the_state() -> None:
    topic = f"{PREFIX}/homeassistant/port/9/set"
    assert homeassistant.parse_command(PREFIX, topic, " on ") == (9, True)
    assert homeassistant.parse_command(PREFIX, topic, "OFF") == (9, False)


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        (f"{PREFIX}/homeassistant/port/9/set", "toggle"),
        (f"{PREFIX}/homeassistant/port/x/set", "ON"),
        ("other/homeassistant/port/9/set", "ON"),
    ],
)
def test_malformed_switch_commands_are_refused(topic: str, payload: str) -> None:
    with pytest.raises(Invalid):
        homeassistant.parse_command(PREFIX, topic, payload)


def test_a_custom_will_gives_availability_only_with_a_matching_connect_message() -> None:
    will = MessageSpec(is_enabled=True, uses_default=False, topic="kit/state", payload="dead")
    alone = ClientSettings(last_will=will)
    paired = ClientSettings(
        last_will=will,
        connect_message=MessageSpec(
            is_enabled=True, uses_default=False, topic="kit/state", payload="alive"
        ),
    )
    [config, _state] = homeassistant.discovery_messages(
        HomeAssistant(), alone, [RELAY], PREFIX, "S"
    )
    assert "availability_topic" not in json.loads(config.payload)
    [config, state] = homeassistant.discovery_messages(
        HomeAssistant(), paired, [RELAY], PREFIX, "S"
    )
    body = json.loads(config.payload)
    assert (body["payload_available"], body["payload_not_available"]) == ("alive", "dead")
    assert body["name"] == "Port 9"
    assert config.topic == "homeassistant/switch/actkit_S/port9/config"
    assert (state.topic, state.payload, state.retain) == (
        f"{PREFIX}/homeassistant/port/9/state",
        "OFF",
        True,
    )

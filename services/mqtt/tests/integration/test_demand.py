"""The device events reach the service only while it is to publish them to a connected broker."""

from actkit_core.bus import Bus
from actkit_core.testing.interest import has_interest, interest_becomes
from actkit_core.testing.mosquitto import Mosquitto
from actkit_proto.mqtt import (
    ConnectionState,
    DeviceEventKind,
    HomeAssistant,
    Publication,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
)

from .conftest import connect, wait_state

PORT_CHANGES = "io.port.1.changed"
RULE_CHANGES = "events.rule.1.changed"


async def test_port_changes_are_heard_only_while_a_connected_client_publishes_them(
    service: Bus, mosquitto: Mosquitto
) -> None:
    ports = Publication(conditions=[DeviceEventKind.PORT])
    await service.request(SetPublication(publication=ports))
    assert not await has_interest(service.client, PORT_CHANGES)  # the client is off
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    # Subscribed before the status shows connected: the next edge is published.
    assert await has_interest(service.client, PORT_CHANGES)
    assert not await has_interest(service.client, RULE_CHANGES)
    await service.request(SetPublication(publication=Publication()))
    assert not await has_interest(service.client, PORT_CHANGES)
    # Home Assistant shows the ports' states: they are heard again.
    await service.request(SetHomeAssistant(settings=HomeAssistant(is_enabled=True)))
    assert await has_interest(service.client, PORT_CHANGES)
    await service.request(SetClientSettings(is_enabled=False))
    await wait_state(service, ConnectionState.DISCONNECTED)
    await interest_becomes(service.client, PORT_CHANGES, wanted=False)


async def test_rule_changes_are_heard_while_the_publication_includes_them(
    service: Bus, mosquitto: Mosquitto
) -> None:
    await connect(service, mosquitto)
    await wait_state(service, ConnectionState.CONNECTED)
    assert not await has_interest(service.client, RULE_CHANGES)
    rules = Publication(conditions=[DeviceEventKind.RULE])
    await service.request(SetPublication(publication=rules))
    assert await has_interest(service.client, RULE_CHANGES)
    assert not await has_interest(service.client, PORT_CHANGES)

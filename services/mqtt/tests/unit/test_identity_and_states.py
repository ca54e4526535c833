"""The serial comes from the system service; every port's state is published on connect."""

import json

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_mqtt.handlers import Deps, handle_report
from actkit_mqtt.handlers.identity import learn_identity, mqtt_serial
from actkit_mqtt.ports import StatusReport
from actkit_proto import Unavailable
from actkit_proto.io import Circuit, Direction, ListPorts, Port, PortList
from actkit_proto.mqtt import (
    ClientSettings,
    ConnectionState,
    DeviceEventKind,
    GetClientStatus,
    Publication,
    PublishMqtt,
    RetainPolicy,
    SetClientSettings,
    SetPublication,
)
from actkit_proto.system import GetIdentity, Identity

from ..conftest import SERIAL, RecordingBroker

IDENTITY = Identity(
    model="AXIS W401",
    product_name="AXIS W401 Body Worn Activation Kit",
    serial_number="ACCC8E123456",
    mac_address="AC:CC:8E:12:34:56",
    software_version="12.0.0",
    build="test",
)


def _port(port_id: int, direction: Direction, is_active: bool) -> Port:
    return Port(
        port_id=port_id,
        name="",
        direction=direction,
        normal_state=Circuit.OPEN,
        is_configurable=True,
        is_active=is_active,
        circuit=Circuit.CLOSED if is_active else Circuit.OPEN,
    )


PORTS = PortList(
    ports=[_port(1, Direction.INPUT, True), _port(2, Direction.INPUT, False),
           _port(9, Direction.OUTPUT, False)]
)  # fmt: skip


async def _ports(_command: ListPorts) -> PortList:
    return PORTS


async def test_the_client_waits_for_the_system_service_then_connects_under_its_serial(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    deps.state.serial = ""  # the service has just started
    await fake_bus.request(SetClientSettings(is_enabled=True, host="broker.example"))
    assert broker.config is None  # no prefix yet: nothing may be published
    attempts: list[str] = []

    async def system(_command: GetIdentity) -> Identity:
        attempts.append("asked")
        if len(attempts) < 4:
            raise Unavailable("nobody answers system.identity.get: is system running?")
        return IDENTITY

    fake_bus.answer(GetIdentity, system)
    delays: list[float] = []

    async def sleep(delay_s: float) -> None:
        delays.append(delay_s)

    assert await learn_identity(deps, 1.0, 3.0, sleep) == "ACCC8E123456"
    assert delays == [1.0, 2.0, 3.0]  # doubling, capped
    assert broker.config is not None
    assert broker.config.client_id == "actkit-ACCC8E123456"
    assert deps.prefix == "axis/ACCC8E123456"


async def test_prefix_dependent_answers_say_the_serial_is_not_known_yet(
    fake_bus: FakeBus, deps: Deps
) -> None:
    deps.state.serial = ""
    with pytest.raises(Unavailable, match="serial number is not known yet"):
        await fake_bus.request(PublishMqtt(topic="hello", payload="1", use_device_prefix=True))


async def test_a_command_between_two_attempts_asks_the_system_service_once_more(
    fake_bus: FakeBus, deps: Deps
) -> None:
    deps.state.serial = ""  # start-up: the first attempt found no system service

    async def system(_command: GetIdentity) -> Identity:
        return IDENTITY.model_copy(update={"serial_number": "ac:cc:8e:12:34:57"})

    fake_bus.answer(GetIdentity, system)
    await fake_bus.request(GetClientStatus())
    assert deps.state.serial == "ACCC8E123457"


async def test_a_client_turned_off_stays_off_once_the_serial_is_known(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    deps.state.serial = ""

    async def system(_command: GetIdentity) -> Identity:
        return IDENTITY.model_copy(update={"serial_number": "ac:cc:8e:12:34:57"})

    fake_bus.answer(GetIdentity, system)
    assert await learn_identity(deps, 1.0, 3.0) == "ACCC8E123457"
    assert broker.config is None and deps.state.settings == ClientSettings()


def test_serials_are_cleaned_like_vapix_and_refused_when_not_12_hex_digits() -> None:
    assert mqtt_serial("ac-cc-8e-12-34-56") == "ACCC8E123456"
    assert mqtt_serial("ACCC8E12345") is None
    assert mqtt_serial("axis/#") is None


async def test_every_port_state_is_published_and_kept_on_connect(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    fake_bus.answer(ListPorts, _ports)
    await fake_bus.request(
        SetPublication(publication=Publication(conditions=[DeviceEventKind.PORT]))
    )
    await fake_bus.request(SetClientSettings(is_enabled=True, host="broker.example"))
    await handle_report(StatusReport(ConnectionState.CONNECTED, "", "tcp://b:1883"), deps)
    sent = {message.topic: message for message in broker.sent}
    base = f"axis/{SERIAL}/event/onvif:Device"
    assert sorted(sent) == [
        f"{base}/Trigger/Relay/8", f"{base}/axis:IO/Port/0", f"{base}/axis:IO/Port/1"
    ]  # fmt: skip
    assert all(message.retain for message in broker.sent)
    assert json.loads(sent[f"{base}/axis:IO/Port/0"].payload)["message"]["data"] == {"state": "1"}
    assert json.loads(sent[f"{base}/Trigger/Relay/8"].payload)["message"] == {
        "source": {"RelayToken": "8"},
        "key": {},
        "data": {"LogicalState": "inactive"},
    }


async def test_choosing_ports_while_connected_publishes_their_states_at_once(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    fake_bus.answer(ListPorts, _ports)
    await fake_bus.request(SetClientSettings(is_enabled=True, host="broker.example"))
    await handle_report(StatusReport(ConnectionState.CONNECTED, "", "tcp://b:1883"), deps)
    assert broker.sent == []  # ports are not published yet
    publication = Publication(conditions=[DeviceEventKind.PORT], retain=RetainPolicy.NONE)
    await fake_bus.request(SetPublication(publication=publication))
    assert len(broker.sent) == 3
    assert not any(message.retain for message in broker.sent)
    await fake_bus.request(SetPublication(publication=publication))
    assert len(broker.sent) == 3  # nothing changed: nothing sent again


async def test_without_io_the_connect_still_succeeds(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    await fake_bus.request(
        SetPublication(publication=Publication(conditions=[DeviceEventKind.PORT]))
    )
    await fake_bus.request(SetClientSettings(is_enabled=True, host="broker.example"))
    await handle_report(StatusReport(ConnectionState.CONNECTED, "", "tcp://b:1883"), deps)
    assert broker.sent == [] and deps.state.status.state is ConnectionState.CONNECTED

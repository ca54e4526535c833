import asyncio
from datetime import UTC, datetime

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_mqtt.handlers import Deps, handle_report
from actkit_mqtt.ports import Received, StatusReport
from actkit_proto import Conflict, Invalid, NotFound, Unavailable
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.io import Circuit, Direction, PortChanged
from actkit_proto.mqtt import (
    AddSubscription,
    ChangePublication,
    ClientStatusChanged,
    ConnectionState,
    DeviceEventKind,
    GetClientSettings,
    GetClientStatus,
    GetPublication,
    ListSubscriptions,
    MqttMessageReceived,
    MqttTopicChanged,
    Publication,
    PublishMqtt,
    RemoveSubscription,
    RetainPolicy,
    SetClientSettings,
    SetPublication,
    SubscriptionSpec,
    UpdateSubscription,
    topic_id,
)

from ..conftest import SERIAL, RecordingBroker


async def _connect(fake_bus: FakeBus) -> None:
    await fake_bus.request(SetClientSettings(is_enabled=True, host="broker.example"))


async def test_settings_are_persisted_and_connecting_uses_them(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    await fake_bus.request(
        SetClientSettings(is_enabled=True, host="broker.example", username="cam", password="pw")
    )
    assert broker.config is not None
    assert (broker.config.host, broker.config.port, broker.config.password) == (
        "broker.example",
        1883,
        "pw",
    )
    assert (await deps.store.load(type(deps.state.settings))).host == "broker.example"
    settings = await fake_bus.request(GetClientSettings())
    assert settings.has_password and settings.username == "cam"


async def test_turning_the_client_off_disconnects(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    await _connect(fake_bus)
    await fake_bus.request(SetClientSettings(is_enabled=False))
    assert broker.config is None


async def test_publish_refuses_while_off_or_disconnected(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    with pytest.raises(Unavailable, match="client is off"):
        await fake_bus.request(PublishMqtt(topic="Motion", payload="On"))
    await _connect(fake_bus)
    broker.is_connected = False
    await handle_report(
        StatusReport(ConnectionState.ERROR, "connection lost", "tcp://b:1883"), deps
    )
    with pytest.raises(
        Unavailable, match=r"not connected to the MQTT broker \(error: connection lost\)"
    ):
        await fake_bus.request(PublishMqtt(topic="Motion", payload="On"))


async def test_publish_checks_the_topic_and_applies_the_device_prefix(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    await _connect(fake_bus)
    await fake_bus.request(PublishMqtt(topic="lights", payload="On", qos=1, use_device_prefix=True))
    [sent] = broker.sent
    assert (sent.topic, sent.payload, sent.qos) == (f"axis/{SERIAL}/lights", "On", 1)
    with pytest.raises(Invalid, match="wildcard"):
        await fake_bus.request(PublishMqtt(topic="a/#", payload=""))


async def test_subscriptions_crud_follows_at_the_broker(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    await _connect(fake_bus)
    added = await fake_bus.request(
        AddSubscription(spec=SubscriptionSpec(filter="cmd/#", uses_device_prefix=True, qos=1))
    )
    assert added.effective_filter == f"axis/{SERIAL}/cmd/#"
    assert broker.filters == {f"axis/{SERIAL}/cmd/#": 1}
    with pytest.raises(Conflict, match="already subscribes"):
        await fake_bus.request(
            AddSubscription(spec=SubscriptionSpec(filter=f"axis/{SERIAL}/cmd/#"))
        )
    await fake_bus.request(
        UpdateSubscription(
            subscription_id=added.subscription_id, spec=SubscriptionSpec(filter="Motion")
        )
    )
    assert broker.filters == {"Motion": 0}
    [listed] = (await fake_bus.request(ListSubscriptions())).subscriptions
    assert listed.spec.filter == "Motion"
    await fake_bus.request(RemoveSubscription(subscription_id=added.subscription_id))
    assert broker.filters == {}
    with pytest.raises(NotFound):
        await fake_bus.request(RemoveSubscription(subscription_id=added.subscription_id))
    with pytest.raises(Invalid, match="whole level"):
        await fake_bus.request(AddSubscription(spec=SubscriptionSpec(filter="a/b#")))


async def test_subscriptions_are_limited_to_64(fake_bus: FakeBus, deps: Deps) -> None:
    for number in range(64):
        await fake_bus.request(AddSubscription(spec=SubscriptionSpec(filter=f"t/{number}")))
    with pytest.raises(Conflict, match="already 64"):
        await fake_bus.request(AddSubscription(spec=SubscriptionSpec(filter="t/64")))


async def test_received_messages_become_stateless_and_stateful_events(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(
        AddSubscription(spec=SubscriptionSpec(filter="Motion", is_stateful=True))
    )
    await fake_bus.request(AddSubscription(spec=SubscriptionSpec(filter="cars/+/door")))
    fake_bus.published.clear()
    await handle_report(Received("Motion", b"On", is_retained=True), deps)
    await handle_report(Received("cars/1/door", b"open", is_retained=False), deps)
    await handle_report(Received("cars/1/door", b"\xff", is_retained=False), deps)
    await handle_report(Received("unrelated", b"x", is_retained=False), deps)
    assert fake_bus.published == [
        MqttTopicChanged(
            topic_id=topic_id("Motion"), topic="Motion", payload="On", subscription="Motion"
        ),
        MqttMessageReceived(
            topic="cars/1/door", payload="open", subscription="cars/+/door", retained=False
        ),
    ]


async def test_oversized_messages_are_dropped(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(AddSubscription(spec=SubscriptionSpec(filter="#")))
    fake_bus.published.clear()
    await handle_report(Received("big", b"x" * 262_145, is_retained=False), deps)
    assert fake_bus.published == []


async def test_status_reports_are_published_once_per_change(fake_bus: FakeBus, deps: Deps) -> None:
    report = StatusReport(ConnectionState.CONNECTED, "", "tcp://b:1883")
    await handle_report(report, deps)
    await handle_report(report, deps)
    assert fake_bus.published == [
        ClientStatusChanged(state=ConnectionState.CONNECTED, broker="tcp://b:1883")
    ]
    assert (await fake_bus.request(GetClientStatus())).state is ConnectionState.CONNECTED


async def test_the_status_tells_the_client_id_and_topic_prefix_in_use(
    fake_bus: FakeBus, deps: Deps
) -> None:
    status = await fake_bus.request(GetClientStatus())
    assert (status.client_id, status.device_topic_prefix) == (f"actkit-{SERIAL}", f"axis/{SERIAL}")
    await fake_bus.request(SetClientSettings(client_id="car-12", device_topic_prefix="fleet/12"))
    status = await fake_bus.request(GetClientStatus())
    assert (status.client_id, status.device_topic_prefix) == ("car-12", "fleet/12")


async def test_publication_changes_sent_at_once_each_keep_the_others(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await asyncio.gather(
        fake_bus.request(ChangePublication(conditions=[DeviceEventKind.PORT])),
        fake_bus.request(ChangePublication(retain=RetainPolicy.ALL, qos=1)),
        fake_bus.request(ChangePublication(includes_serial=True)),
    )
    assert await fake_bus.request(GetPublication()) == Publication(
        conditions=[DeviceEventKind.PORT], retain=RetainPolicy.ALL, qos=1, includes_serial=True
    )
    with pytest.raises(Invalid, match="custom topic prefix must not be empty"):
        await fake_bus.request(ChangePublication(uses_default_prefix=False))


async def test_port_changes_are_published_only_when_chosen_and_connected(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    changed = PortChanged(
        port_id=1, direction=Direction.OUTPUT, is_active=True, circuit=Circuit.CLOSED, edge_ns=1
    )
    await _connect(fake_bus)
    await fake_bus.publish(changed)
    assert broker.sent == []
    await fake_bus.request(
        SetPublication(publication=Publication(conditions=[DeviceEventKind.PORT]))
    )
    await fake_bus.publish(changed)
    [sent] = broker.sent
    assert sent.topic == f"axis/{SERIAL}/event/onvif:Device/Trigger/Relay/0"
    broker.is_connected = False
    await fake_bus.publish(changed)
    assert len(broker.sent) == 1


async def test_rule_activity_and_manual_triggers_reach_the_broker_when_chosen(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    rule = RuleChanged(rule_id=2, is_active=True, at=datetime.now(UTC))
    trigger = ManualTriggerChanged(trigger_id=1, is_on=True)
    await _connect(fake_bus)
    await fake_bus.publish(rule)
    await fake_bus.publish(trigger)
    assert broker.sent == []
    conditions = [DeviceEventKind.RULE, DeviceEventKind.MANUAL_TRIGGER]
    await fake_bus.request(SetPublication(publication=Publication(conditions=conditions)))
    await fake_bus.publish(rule)
    await fake_bus.publish(trigger)
    assert [message.topic for message in broker.sent] == [
        f"axis/{SERIAL}/event/onvif:Device/axis:Rule/Active/2",
        f"axis/{SERIAL}/event/onvif:Device/axis:IO/ManualTrigger/1",
    ]


async def test_custom_prefix_must_be_given_when_the_default_is_off(
    fake_bus: FakeBus, deps: Deps
) -> None:
    with pytest.raises(Invalid, match="custom topic prefix must not be empty"):
        await fake_bus.request(SetPublication(publication=Publication(uses_default_prefix=False)))

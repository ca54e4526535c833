"""The MQTT settings as plain-config parameters, and restore to defaults."""

import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_mqtt.handlers import Deps, load_state
from actkit_proto import Invalid, NotFound
from actkit_proto.io import ListPorts, Port, PortList
from actkit_proto.mqtt import (
    AddSubscription,
    ClientSettings,
    DeviceEventKind,
    GetClientSettings,
    GetHomeAssistant,
    GetPublication,
    HomeAssistant,
    ListSubscriptions,
    MessageSpec,
    Publication,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
    SubscriptionSpec,
)
from actkit_proto.params import ListParameters, RestoreScope, RestoreSettings, SetParameters

from ..conftest import RecordingBroker


async def _set(fake_bus: FakeBus, **values: object) -> None:
    await fake_bus.request(SetParameters(service="mqtt", values=values))  # type: ignore[arg-type]


async def test_every_parameter_starts_at_its_default_and_is_owned_by_mqtt(
    fake_bus: FakeBus, deps: Deps
) -> None:
    listed = (await fake_bus.request(ListParameters(service="mqtt"))).parameters
    assert {p.service for p in listed} == {"mqtt"}
    assert all(p.key.startswith("MQTT.") for p in listed)
    assert all(p.value == p.default for p in listed), [p for p in listed if p.value != p.default]
    by_key = {p.key: p for p in listed}
    assert by_key["MQTT.Client.Port"].value == 1883
    assert by_key["MQTT.Client.Transport"].allowed_values == ["tcp", "ssl", "ws", "wss"]
    assert by_key["MQTT.Client.Password"].value is None
    assert by_key["MQTT.HomeAssistant.DiscoveryPrefix"].value == "homeassistant"


async def test_a_parameter_set_goes_through_the_set_path_and_connects(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker
) -> None:
    await _set(
        fake_bus,
        **{
            "MQTT.Client.Host": "broker.example",
            "MQTT.Client.Enabled": "yes",
            "MQTT.Client.Password": "pw",
            "MQTT.Client.Username": "cam",
            "MQTT.Client.LastWill.Enabled": True,
            "MQTT.Publication.Conditions": "port, rule",
        },
    )
    assert broker.config is not None
    assert (broker.config.host, broker.config.password) == ("broker.example", "pw")
    settings = await fake_bus.request(GetClientSettings())
    assert settings.has_password and settings.last_will.is_enabled
    assert (await deps.store.load(ClientSettings)).host == "broker.example"
    publication = await fake_bus.request(GetPublication())
    assert publication.conditions == [DeviceEventKind.PORT, DeviceEventKind.RULE]


async def test_a_new_transport_alone_moves_the_port_to_its_default(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await _set(fake_bus, **{"MQTT.Client.Transport": "ssl"})
    assert (await fake_bus.request(GetClientSettings())).port == 8883


@pytest.mark.parametrize(
    ("values", "error", "words"),
    [
        ({"MQTT.Client.Port": 0}, Invalid, "MQTT.Client.Port: must be at least 1"),
        ({"MQTT.Client.Transport": "udp"}, Invalid, "must be one of tcp, ssl, ws, wss"),
        ({"MQTT.Publication.Conditions": "port,weather"}, Invalid, "conditions"),
        ({"MQTT.Client.LastWill.QoS": 3}, Invalid, "at most 2"),
        ({"MQTT.Client.Password": "pw"}, Invalid, "a password needs a username"),
        ({"MQTT.HomeAssistant.DiscoveryPrefix": "a/#"}, Invalid, "discovery prefix"),
        ({"MQTT.Client.Colour": "red"}, NotFound, "mqtt has no parameter MQTT.Client.Colour"),
    ],
)
async def test_bad_values_are_refused_and_nothing_changes(
    fake_bus: FakeBus,
    deps: Deps,
    values: dict[str, object],
    error: type[Exception],
    words: str,
) -> None:
    with pytest.raises(error, match=words):
        await _set(fake_bus, **{"MQTT.Client.Host": "broker.example", **values})
    assert (await fake_bus.request(GetClientSettings())).host == ""
    assert (await deps.store.load(ClientSettings)).host == ""


@pytest.mark.parametrize("scope", list(RestoreScope))
async def test_restore_puts_everything_back_to_defaults_and_disconnects(
    fake_bus: FakeBus, deps: Deps, broker: RecordingBroker, scope: RestoreScope
) -> None:
    async def ports(_command: ListPorts) -> PortList:
        lamp = Port(port_id=9, name="Lamp", direction="output", normal_state="open",
                    is_configurable=False, is_active=False, circuit="open")  # fmt: skip
        return PortList(ports=[lamp])

    fake_bus.answer(ListPorts, ports)
    await fake_bus.request(
        SetClientSettings(
            is_enabled=True,
            host="broker.example",
            username="cam",
            password="pw",
            last_will=MessageSpec(is_enabled=True),
        )
    )
    await fake_bus.request(
        SetPublication(publication=Publication(conditions=[DeviceEventKind.PORT], qos=1))
    )
    await fake_bus.request(AddSubscription(spec=SubscriptionSpec(filter="car/+/door")))
    await fake_bus.request(SetHomeAssistant(settings=HomeAssistant(is_enabled=True)))
    assert broker.is_connected
    broker.sent.clear()

    await fake_bus.request(RestoreSettings(service="mqtt", scope=scope))

    [forget] = broker.sent  # Home Assistant forgets the lamp: an empty retained config
    assert (forget.payload, forget.retain, forget.topic.startswith("homeassistant/")) == (
        "",
        True,
        True,
    )

    assert not broker.is_connected and broker.config is None
    assert await fake_bus.request(GetClientSettings()) == ClientSettings()
    assert await fake_bus.request(GetPublication()) == Publication()
    assert await fake_bus.request(GetHomeAssistant()) == HomeAssistant()
    assert (await fake_bus.request(ListSubscriptions())).subscriptions == []
    stored = await load_state(deps.store)  # what a restart would load
    assert (stored.settings, stored.publication, stored.home_assistant) == (
        ClientSettings(),
        Publication(),
        HomeAssistant(),
    )
    assert (stored.subscriptions, stored.secrets.password) == ({}, "")

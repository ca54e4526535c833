import json
from datetime import UTC, datetime
from typing import Any

import pytest

from actkit_mqtt import domain
from actkit_mqtt.domain import Secrets
from actkit_mqtt.domain import publication as publishing
from actkit_proto import Invalid
from actkit_proto.ble import BeaconPresenceChanged
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.io import Circuit, Direction, PortTampered
from actkit_proto.mqtt import (
    ClientSettings,
    DeviceEventKind,
    MessageSpec,
    Publication,
    RetainPolicy,
    SetClientSettings,
    Transport,
)

SERIAL = "B8A44F0000AA"


def _apply(current: ClientSettings | None = None, /, **changes: Any) -> ClientSettings:
    settings, _ = domain.apply_settings(
        current or ClientSettings(), Secrets(), SetClientSettings(**changes)
    )
    return settings


@pytest.mark.parametrize(
    ("transport", "port"),
    [(Transport.TCP, 1883), (Transport.SSL, 8883), (Transport.WS, 80), (Transport.WSS, 443)],
)
def test_changing_the_protocol_proposes_its_default_port(transport: Transport, port: int) -> None:
    start = ClientSettings(transport=Transport.WS if transport is Transport.TCP else Transport.TCP)
    assert _apply(start, transport=transport).port == port


def test_a_port_given_with_the_protocol_wins_over_the_default() -> None:
    assert _apply(transport=Transport.SSL, port=443).port == 443


def test_fields_left_out_keep_their_value() -> None:
    start = _apply(host="broker.example", keep_alive_s=30)
    assert _apply(start, client_id="Port 1").keep_alive_s == 30
    assert _apply(start, client_id="Port 1").host == "broker.example"


def test_password_is_write_only_and_an_empty_one_removes_it() -> None:
    settings, secrets = domain.apply_settings(
        ClientSettings(), Secrets(), SetClientSettings(username="cam", password="pw")
    )
    assert settings.has_password
    assert "pw" not in settings.model_dump_json()
    assert secrets.password == "pw"
    settings, secrets = domain.apply_settings(settings, secrets, SetClientSettings(password=""))
    assert (settings.has_password, secrets.password) == (False, "")


def test_a_proxy_password_is_kept_apart_and_never_shown() -> None:
    given = SetClientSettings(http_proxy="http://cam:s%40cret@proxy.example:3128")
    settings, secrets = domain.apply_settings(ClientSettings(), Secrets(), given)
    assert settings.http_proxy == "http://cam@proxy.example:3128"
    assert settings.has_http_proxy_password
    assert "cret" not in settings.model_dump_json()
    assert secrets.http_proxy_password == "s%40cret"
    connect = domain.connection_config(settings, secrets, SERIAL)
    assert connect.proxy_url == "http://cam:s%40cret@proxy.example:3128"

    # The URL sent back as it was shown keeps the password; another user or proxy drops it.
    shown = SetClientSettings(http_proxy=settings.http_proxy)
    assert domain.apply_settings(settings, secrets, shown)[1] == secrets
    for other in ("http://bob@proxy.example:3128", "http://cam@other.example:3128"):
        moved, kept = domain.apply_settings(settings, secrets, SetClientSettings(http_proxy=other))
        assert (moved.has_http_proxy_password, kept.http_proxy_password) == (False, "")
    unchanged = domain.apply_settings(settings, secrets, SetClientSettings(port=1884))
    assert unchanged[1].http_proxy_password == "s%40cret"


def test_a_proxy_password_stored_inside_its_url_moves_to_the_secrets() -> None:
    stored = ClientSettings(https_proxy="https://cam:pw@proxy.example")
    settings, secrets = domain.keep_proxy_passwords(stored, Secrets())
    assert (settings.https_proxy, secrets.https_proxy_password) == (
        "https://cam@proxy.example",
        "pw",
    )
    assert settings.has_https_proxy_password


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"is_enabled": True}, "host is required"),
        ({"host": "bad host"}, "not a host name"),
        ({"alpn_protocol": "mqtt"}, "ALPN protocol applies only"),
        ({"http_proxy": "http://p.example:3128/" + "x" * 240}, "longer than 255 bytes"),
        ({"https_proxy": "socks://p.example"}, "must look like http"),
        ({"password": "pw"}, "needs a username"),
        ({"websocket_path": "mqtt"}, "must start with /"),
        ({"device_topic_prefix": "axis/#"}, "wildcard"),
        (
            {"connect_message": MessageSpec(is_enabled=True, uses_default=False, topic="")},
            "connect message topic must not be empty",
        ),
    ],
)
def test_unusable_settings_are_refused_with_the_reason(
    changes: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(Invalid, match=complaint):
        _apply(**changes)


def test_proxy_limit_counts_bytes_not_characters() -> None:
    url = "http://p.example/" + "é" * 120  # 17 + 240 bytes
    with pytest.raises(Invalid, match="255 bytes"):
        _apply(http_proxy=url)


def test_alpn_is_accepted_for_ssl_and_wss() -> None:
    assert _apply(transport=Transport.WSS, alpn_protocol="mqtt").alpn_protocol == "mqtt"


@pytest.mark.parametrize("bad", ["", "a/#/b", "a#", "a/b+", "sport/tennis#", "nul\0here"])
def test_malformed_filters_are_refused(bad: str) -> None:
    with pytest.raises(Invalid):
        domain.check_filter(bad)


@pytest.mark.parametrize("good", ["#", "+", "a/+/c", "a/#", "/", "+/+", "Motion"])
def test_well_formed_filters_pass(good: str) -> None:
    domain.check_filter(good)


@pytest.mark.parametrize(
    ("topic_filter", "topic", "matches"),
    [
        ("sport/#", "sport", True),
        ("sport/#", "sport/tennis/player1", True),
        ("sport/+", "sport/", True),
        ("sport/+", "sport/tennis/x", False),
        ("+/+", "/finance", True),
        ("+", "/finance", False),
        ("Motion", "motion", False),
        ("+/monitor", "$SYS/monitor", False),
        ("$SYS/#", "$SYS/uptime", True),
    ],
)
def test_filters_match_topics_as_a_broker_does(
    topic_filter: str, topic: str, matches: bool
) -> None:
    assert domain.filter_matches(topic_filter, topic) is matches


def _port_event(
    port_id: int = 3, direction: Direction = Direction.INPUT, is_active: bool = True
) -> publishing.DeviceEvent:
    return publishing.port_event(port_id, direction, is_active, timestamp_ms=1_700_000_000_000)


@pytest.mark.parametrize(
    ("port_id", "direction", "is_active", "topic", "source", "data"),
    [
        (1, Direction.INPUT, True, "onvif:Device/axis:IO/Port", {"port": "0"}, {"state": "1"}),
        (3, Direction.INPUT, False, "onvif:Device/axis:IO/Port", {"port": "2"}, {"state": "0"}),
        (
            9,
            Direction.OUTPUT,
            True,
            "onvif:Device/Trigger/Relay",
            {"RelayToken": "8"},
            {"LogicalState": "active"},
        ),
        (
            2,
            Direction.OUTPUT,
            False,
            "onvif:Device/Trigger/Relay",
            {"RelayToken": "1"},
            {"LogicalState": "inactive"},
        ),
    ],
)
def test_port_states_are_published_as_a_vapix_client_reads_them(
    port_id: int,
    direction: Direction,
    is_active: bool,
    topic: str,
    source: dict[str, str],
    data: dict[str, str],
) -> None:
    """Inputs are IO/Port events, outputs Relay events, both with the 0-based VAPIX port id."""
    publication = Publication(conditions=[DeviceEventKind.PORT], includes_serial=True)
    event = _port_event(port_id, direction, is_active)
    message = publishing.publication_message(publication, event, "axis/ACCC8E123456", SERIAL)
    assert message is not None
    vapix_id = str(port_id - 1)
    assert message.topic == f"axis/ACCC8E123456/event/{topic}/{vapix_id}"
    assert json.loads(message.payload) == {
        "topic": topic,
        "timestamp": 1_700_000_000_000,
        "serialNumber": SERIAL,
        "message": {"source": source, "key": {}, "data": data},
    }
    # A port's state is kept by default: a client subscribing later still learns it.
    assert (message.retain, message.qos) == (True, 0)


def test_without_the_serial_option_the_payload_has_no_serial_and_nothing_is_kept() -> None:
    publication = Publication(conditions=[DeviceEventKind.PORT], retain=RetainPolicy.NONE)
    message = publishing.publication_message(publication, _port_event(), "axis/X", SERIAL)
    assert message is not None
    assert "serialNumber" not in json.loads(message.payload)
    assert message.retain is False


@pytest.mark.parametrize(
    ("event", "topic"),
    [
        (
            publishing.tampering_event(
                PortTampered(port_id=2, is_tampered=True, circuit=Circuit.CUT), 1
            ),
            "onvif:Device/axis:IO/SupervisedPort/1",
        ),
        (
            publishing.rule_event(RuleChanged(rule_id=4, is_active=True, at=datetime.now(UTC))),
            "onvif:Device/axis:Rule/Active/4",
        ),
        (
            publishing.manual_trigger_event(ManualTriggerChanged(trigger_id=1, is_on=True), 1),
            "onvif:Device/axis:IO/ManualTrigger/1",
        ),
        (
            publishing.beacon_presence_event(
                BeaconPresenceChanged(system_id=7, is_present=True), 1
            ),
            "axis:Bluetooth/Beacon/Presence/7",
        ),
    ],
)
def test_every_event_topic_uses_the_onvif_and_axis_namespaces(
    event: publishing.DeviceEvent, topic: str
) -> None:
    """A client maps onvif to tns1 and axis to tnsaxis: a tns1/tnsaxis topic would be garbled."""
    publication = Publication(conditions=list(DeviceEventKind))
    message = publishing.publication_message(publication, event, "axis/X", SERIAL)
    assert message is not None
    assert message.topic == f"axis/X/event/{topic}"
    assert json.loads(message.payload)["topic"] == topic.rsplit("/", 1)[0]


def test_tampering_names_the_vapix_port_and_says_tampered_as_a_bit() -> None:
    event = publishing.tampering_event(
        PortTampered(port_id=2, is_tampered=True, circuit=Circuit.SHORT), 1
    )
    assert (event.source, event.data) == ({"port": "1"}, {"tampered": "1", "circuit": "short"})


def test_publication_options_shape_the_topic_and_payload() -> None:
    publication = Publication(
        conditions=[DeviceEventKind.PORT],
        uses_default_prefix=False,
        custom_prefix="fleet/car7",
        includes_namespaces=False,
        includes_serial=True,
        retain=RetainPolicy.PROPERTY,
        qos=2,
    )
    message = publishing.publication_message(publication, _port_event(), "axis/X", SERIAL)
    assert message is not None
    assert message.topic == "fleet/car7/event/Device/IO/Port/2"
    assert json.loads(message.payload)["serialNumber"] == SERIAL
    assert (message.retain, message.qos) == (True, 2)


def test_without_topic_name_the_topic_is_the_prefix_and_event() -> None:
    publication = Publication(conditions=[DeviceEventKind.PORT], includes_topic_name=False)
    message = publishing.publication_message(publication, _port_event(), "axis/X", SERIAL)
    assert message is not None
    assert message.topic == "axis/X/event"


def test_events_not_among_the_conditions_are_not_published() -> None:
    publication = Publication(conditions=[DeviceEventKind.BEACON])
    assert publishing.publication_message(publication, _port_event(), "axis/X", SERIAL) is None


def test_rule_activity_is_published_with_its_own_topic_and_the_time_it_changed() -> None:
    changed = RuleChanged(
        rule_id=4, is_active=False, at=datetime.fromtimestamp(1_700_000_000.25, tz=UTC)
    )
    publication = Publication(conditions=[DeviceEventKind.RULE], retain=RetainPolicy.PROPERTY)
    message = publishing.publication_message(
        publication, publishing.rule_event(changed), "axis/X", SERIAL
    )
    assert message is not None
    assert message.topic == "axis/X/event/onvif:Device/axis:Rule/Active/4"
    assert json.loads(message.payload) == {
        "topic": "onvif:Device/axis:Rule/Active",
        "timestamp": 1_700_000_000_250,
        "message": {"source": {"rule": "4"}, "key": {}, "data": {"active": False}},
    }
    assert message.retain is True  # a rule's activity is a state, kept under "property"


def test_manual_trigger_changes_are_published_only_when_chosen() -> None:
    changed = publishing.manual_trigger_event(
        ManualTriggerChanged(trigger_id=2, is_on=True), timestamp_ms=5
    )
    only_rules = Publication(conditions=[DeviceEventKind.RULE], includes_namespaces=False)
    assert publishing.publication_message(only_rules, changed, "axis/X", SERIAL) is None
    triggers = only_rules.model_copy(update={"conditions": [DeviceEventKind.MANUAL_TRIGGER]})
    message = publishing.publication_message(triggers, changed, "axis/X", SERIAL)
    assert message is not None
    assert message.topic == "axis/X/event/Device/IO/ManualTrigger/2"
    body = json.loads(message.payload)
    assert body["message"]["source"] == {"trigger": "2"}
    assert body["message"]["data"] == {"active": True}


def test_default_connect_message_and_last_will_say_connected_yes_and_no() -> None:
    settings = ClientSettings(
        host="b",
        connect_message=MessageSpec(is_enabled=True),
        last_will=MessageSpec(is_enabled=True),
    )
    config = domain.connection_config(settings, Secrets(), SERIAL)
    assert config.connect_message is not None and config.last_will is not None
    assert config.connect_message.topic == f"axis/{SERIAL}/event/connection"
    assert json.loads(config.last_will.payload) == {"serial": SERIAL, "connected": False}
    assert config.client_id == f"actkit-{SERIAL}"

import contextlib
import json
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, ValidationError

from actkit_proto import Ack, Actor, Command, Invalid, Reply, Role
from actkit_proto.base import MAX_ROW_ID, STRICT, Message, missing_fields, read_only
from actkit_proto.events import DeleteRule
from actkit_proto.io import Circuit, DriveInput, GetPort, Port, PortChanged, SetPort
from actkit_proto.network import HostnameSettings, SetHostname, SetSnmp, SnmpSettings
from actkit_proto.service import GetServiceStatus, ServiceStatus

PORT_FIELDS = (
    b'"port_id": 1, "direction": "output", "normal_state": "open", "is_configurable": true, '
    b'"is_active": false, "circuit": "open"'
)


def test_subject_is_filled_from_the_message_fields() -> None:
    assert SetPort(port_id=3, is_active=True).to_subject() == "io.port.3.set"
    assert SetPort.subject_pattern() == "io.port.*.set"
    assert GetServiceStatus.subject_pattern(service="io") == "io.service.status"


def test_ids_in_the_subject_win_over_the_body() -> None:
    command = SetPort.from_wire("io.port.4.set", b'{"port_id": 2, "is_active": true}')
    assert command.port_id == 4


def test_an_empty_payload_is_an_empty_object() -> None:
    assert GetPort.from_wire("io.port.7.get", b"").port_id == 7


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{nope", "payload is not JSON"),
        (b"[1, 2]", "payload must be a JSON object"),
        (b'{"is_active": "maybe"}', "is_active: Input should be a valid boolean"),
        (b"\xff\xfe", "payload is not JSON"),
    ],
)
def test_bad_payloads_are_refused_with_a_sentence(payload: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        SetPort.from_wire("io.port.1.set", payload)


def test_a_payload_json_reads_and_pydantic_does_not_is_read_as_before() -> None:
    # pydantic's reader refuses a byte order mark and a lone surrogate; json took both.
    assert SetPort.from_wire("io.port.5.set", b'\xef\xbb\xbf{"is_active": true}').is_active
    port = Port.from_wire("", b'{"name": "\\ud800", ' + PORT_FIELDS + b"}")
    assert port.name == "\ud800"


def test_a_subject_too_short_for_its_ids_reads_them_from_the_body_alone() -> None:
    assert GetPort.from_wire("io.port", b'{"port_id": 3}').port_id == 3
    with pytest.raises(Invalid, match="port_id: Field required"):
        GetPort.from_wire("io.port", b"")


def test_a_port_out_of_range_in_the_subject_is_refused() -> None:
    with pytest.raises(Invalid, match="port_id: Input should be less than or equal to 64"):
        GetPort.from_wire("io.port.99.get", b"")


def test_a_value_that_cannot_be_a_subject_token_is_refused() -> None:
    with pytest.raises(Invalid, match="cannot be used in a subject"):
        GetServiceStatus(service="io.>").to_subject()


def test_a_command_knows_its_reply_type() -> None:
    assert SetPort.reply_type.__name__ == "Port"
    assert DriveInput.reply_type is Ack
    assert GetServiceStatus.reply_type is ServiceStatus


def test_a_subclass_of_a_command_inherits_its_reply_type() -> None:
    class SetPortQuietly(SetPort):
        subject: ClassVar[str] = "io.port.{port_id}.set_quietly"

    assert SetPortQuietly.reply_type is SetPort.reply_type


def test_roles_are_ordered() -> None:
    assert Role.VIEWER < Role.OPERATOR < Role.ADMINISTRATOR


def test_the_actor_travels_with_the_command() -> None:
    command = SetPort(port_id=1, is_active=False, actor=Actor(name="ann", role=Role.VIEWER))
    decoded = SetPort.from_wire(command.to_subject(), command.to_wire())
    assert decoded.actor == Actor(name="ann", role=Role.VIEWER)


def test_commands_default_to_needing_an_administrator() -> None:
    class Reset(Command[Ack]):
        subject: ClassVar[str] = "system.reset"

    assert Reset.required_role is Role.ADMINISTRATOR


@given(
    port_id=st.integers(1, 64),
    is_active=st.booleans(),
    circuit=st.sampled_from(Circuit),
    edge_ns=st.integers(0, 2**63),
)
def test_every_event_survives_the_wire(
    port_id: int, is_active: bool, circuit: Circuit, edge_ns: int
) -> None:
    event = PortChanged(
        port_id=port_id, direction="input", is_active=is_active, circuit=circuit, edge_ns=edge_ns
    )
    assert PortChanged.from_wire(event.to_subject(), event.to_wire()) == event


@given(st.binary(max_size=64))
def test_garbage_never_raises_past_invalid(payload: bytes) -> None:
    with contextlib.suppress(Invalid):
        SetPort.from_wire("io.port.1.set", payload)


def test_a_command_refuses_a_field_it_does_not_have_and_names_the_ones_it_has() -> None:
    with pytest.raises(Invalid, match=r"payload: unknown field colour \(known: actor, port_id"):
        SetPort.from_wire("io.port.9.set", b'{"is_active": true, "colour": "red"}')
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        SetPort(port_id=9, is_active=True, colour="red")  # type: ignore[call-arg]


def test_a_misspelt_setting_is_refused_not_left_at_its_default() -> None:
    body = b'{"settings": {"is_auto": false, "hostnme": "car-13"}}'
    with pytest.raises(
        Invalid, match=r"^settings: unknown field hostnme \(known: is_auto, hostname"
    ):
        SetHostname.from_wire("network.hostname.set", body)
    stored = HostnameSettings(is_auto=False, hostname="car-13")
    assert SetHostname.model_validate({"settings": stored}, context=STRICT).settings == stored


def test_a_set_that_leaves_out_part_of_its_group_is_refused_naming_what_is_missing() -> None:
    with pytest.raises(
        Invalid, match=r"settings lacks version, are_traps_enabled, .*, traps: a set"
    ):
        SetSnmp.from_wire("network.snmp.set", b'{"settings": {"is_enabled": true}}')
    whole = SnmpSettings(is_enabled=True).model_dump(mode="json")
    partial_traps = {**whole, "traps": {"cold_start": False}}
    with pytest.raises(Invalid, match=r"lacks traps.link_up, traps.link_down"):
        SetSnmp.from_wire("network.snmp.set", json.dumps({"settings": partial_traps}).encode())
    assert SetSnmp.from_wire("network.snmp.set", json.dumps({"settings": whole}).encode())
    # Read-only flags and write-only secrets may be left out.
    assert "read_community" not in whole  # a write-only field without a value is left out
    settable = {k: v for k, v in whole.items() if not k.startswith("has_")}
    assert SetSnmp.from_wire("", json.dumps({"settings": settable}).encode()).settings.is_enabled
    # Built in code (an owner's own calls) a group takes its defaults.
    assert SetSnmp(settings=SnmpSettings()).settings == SnmpSettings()


def test_the_fields_a_whole_group_needs_include_those_of_models_in_lists() -> None:
    class Item(Message):
        name: str = ""

    class Group(Reply):
        items: list[Item] = Field(default_factory=list)
        flag: bool = read_only(False)

    assert missing_fields(Group, {"items": [{"name": "a"}, {}]}) == ["items[1].name"]
    assert missing_fields(Group, {}) == ["items"]


def test_what_an_owner_answers_or_publishes_is_read_leniently() -> None:
    newer = b'{"is_auto": true, "hostname": "w401", "added_later": 1}'
    assert HostnameSettings.from_wire("", newer).hostname == "w401"


def test_a_row_id_past_the_largest_is_refused_before_it_reaches_an_owners_database() -> None:
    with pytest.raises(Invalid, match=r"rule_id: Input should be less than or equal to 2147483647"):
        DeleteRule.from_wire(f"events.rule.{2**63}.delete", b"")
    assert DeleteRule.from_wire(f"events.rule.{MAX_ROW_ID}.delete", b"").rule_id == MAX_ROW_ID

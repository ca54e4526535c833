"""ONVIF's SOAP edge and pull points: hostile XML, durations, topic filters, lifetimes, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from actkit_proto.events import RuleChanged
from actkit_proto.io import Direction
from actkit_web.onvif.events import notify_rule_change
from actkit_web.onvif.pullpoints import (
    DIGITAL_INPUT_TOPIC,
    RULE_TOPIC,
    TOPICS,
    PullPoints,
    port_notifications,
    topic_filter,
)
from actkit_web.onvif.service import OnvifState
from actkit_web.onvif.soap import (
    SOAP,
    TNS1,
    Fault,
    fault_answer,
    parse_duration,
    parse_envelope,
    parse_termination,
)
from actkit_web.vapix.port_events import INPUT_TOPIC, RELAY_TOPIC

NOW = datetime(2026, 11, 24, 14, 34, 13, tzinfo=UTC)
BODY = f'<s:Envelope xmlns:s="{SOAP}"><s:Body><x:Op xmlns:x="urn:x"/></s:Body></s:Envelope>'


@pytest.mark.parametrize(
    ("hostile", "words"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            + BODY.replace("<x:Op", "<x:Op>&b;</x:Op><x:No"),
            "DTD or an entity",
        ),
        ('<?xml version="1.0"?><!DOCTYPE s SYSTEM "http://127.0.0.1:9/x.dtd">' + BODY, "DTD"),
        ('<?xml version="1.0"?><!DOCTYPE s>' + BODY, "DTD"),
        ("<s:Envelope", "not well-formed"),
        ('<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"/>', "not a SOAP 1.2"),
        (f'<s:Envelope xmlns:s="{SOAP}"><s:Body/></s:Envelope>', "names no operation"),
    ],
)
def test_an_envelope_with_a_dtd_entities_or_no_operation_is_refused(
    hostile: str, words: str
) -> None:
    with pytest.raises(Fault) as refused:
        parse_envelope(hostile.encode())
    assert words in refused.value.reason
    assert refused.value.status_code == 400


def test_the_operation_and_the_prefixes_the_client_declared_are_read() -> None:
    envelope = parse_envelope(BODY.replace("<s:Body>", f'<s:Body xmlns:t="{TNS1}">').encode())
    assert envelope.operation.tag == "{urn:x}Op"
    assert envelope.namespaces["t"] == TNS1


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("PT600S", timedelta(minutes=10)),
        ("PT1M", timedelta(minutes=1)),
        ("P0D", timedelta(0)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P1W", timedelta(weeks=1)),
    ],
)
def test_iso_8601_durations_are_read_in_any_form(text: str, duration: timedelta) -> None:
    assert parse_duration(text) == duration


@pytest.mark.parametrize("text", ["P", "PT", "600", "PT-5S", "P1.5D", "PT5S" + "0" * 80])
def test_a_malformed_duration_is_refused(text: str) -> None:
    with pytest.raises(Fault, match="ISO 8601 duration"):
        parse_duration(text)


def test_a_termination_time_is_relative_or_absolute() -> None:
    assert parse_termination("PT60S", NOW) == NOW + timedelta(minutes=1)
    assert parse_termination("2026-11-24T15:00:00Z", NOW) == datetime(2026, 11, 24, 15, tzinfo=UTC)
    with pytest.raises(Fault, match="neither a duration"):
        parse_termination("tomorrow", NOW)


def test_a_fault_carries_its_subcodes_and_a_reason_in_english() -> None:
    answer = fault_answer(Fault("Unknown relay token", "InvalidArgVal", "RelayToken"))
    assert b"<s:Value>s:Sender</s:Value>" in answer
    assert b"<s:Value>ter:InvalidArgVal</s:Value><s:Subcode><s:Value>ter:RelayToken" in answer
    assert b'xml:lang="en">Unknown relay token<' in answer


@pytest.mark.parametrize(
    ("expression", "topics"),
    [
        (None, set(TOPICS)),
        ("t:Device/Trigger//.", {DIGITAL_INPUT_TOPIC, RELAY_TOPIC}),
        ("t:Device/Trigger/Relay", {RELAY_TOPIC}),
        ("t:Device/Trigger/Relay|t:Device/a:IO/Port", {RELAY_TOPIC, INPUT_TOPIC}),
        ("t:Device//.", {DIGITAL_INPUT_TOPIC, RELAY_TOPIC, INPUT_TOPIC}),
        ("t:RuleEngine//.", {RULE_TOPIC}),
    ],
)
def test_a_topic_filter_selects_topics_by_namespace_not_by_prefix(
    expression: str | None, topics: set[str]
) -> None:
    namespaces = {"t": TNS1, "a": "http://www.axis.com/2009/event/topics"}
    assert topic_filter(expression, namespaces) == topics


def test_a_topic_filter_that_selects_nothing_is_refused() -> None:
    with pytest.raises(Fault, match="selects no topic"):
        topic_filter("tns1:VideoSource//.", {"tns1": TNS1})


def test_an_input_is_a_digital_input_and_an_axis_port_and_an_output_a_relay() -> None:
    relay = port_notifications(9, Direction.OUTPUT, True, "Changed", NOW)
    assert [(n.topic, n.source, n.data) for n in relay] == [
        (RELAY_TOPIC, ("RelayToken", "8"), ("LogicalState", "active"))
    ]
    first = port_notifications(1, Direction.INPUT, False, "Initialized", NOW)
    assert [(n.topic, n.source, n.data) for n in first] == [
        (DIGITAL_INPUT_TOPIC, ("InputToken", "0"), ("LogicalState", "false")),
        (INPUT_TOPIC, ("port", "0"), ("state", "0")),
    ]


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def test_pull_points_expire_and_free_their_place_within_the_limit() -> None:
    clock = Clock()
    points = PullPoints(clock, limit=2)
    first = points.create("vms", frozenset(TOPICS), NOW + timedelta(minutes=1))
    points.create("vms", frozenset(TOPICS), NOW + timedelta(minutes=10))
    with pytest.raises(Fault, match="at most 2"):
        points.create("vms", frozenset(TOPICS), NOW + timedelta(minutes=10))
    clock.now = NOW + timedelta(minutes=2)
    with pytest.raises(Fault, match="does not exist"):
        points.get(first.id, "vms")
    assert len(points) == 1
    points.create("vms", frozenset(TOPICS), clock.now + timedelta(minutes=10))


def test_a_pull_point_is_its_owners_and_queues_only_its_topics() -> None:
    points = PullPoints(Clock())
    point = points.create("vms", frozenset({RELAY_TOPIC}), NOW + timedelta(minutes=10))
    with pytest.raises(Fault, match="another account's"):
        points.get(point.id, "intruder")
    points.deliver(port_notifications(1, Direction.INPUT, True, "Changed", NOW))
    points.deliver(port_notifications(9, Direction.OUTPUT, True, "Changed", NOW))
    assert [n.topic for n in point.take(10)] == [RELAY_TOPIC]
    assert not point.arrived.is_set()


def test_a_lifetime_is_bounded_and_a_pull_keeps_its_subscription_alive() -> None:
    points = PullPoints(Clock())
    point = points.create("vms", frozenset(TOPICS), NOW + timedelta(days=30))
    assert point.terminates_at == NOW + timedelta(hours=1)
    points.renew(point, NOW)
    assert point.terminates_at == NOW + timedelta(seconds=10)
    points.keep_alive(point, timedelta(minutes=1))
    assert point.terminates_at == NOW + timedelta(minutes=1)


async def test_a_rule_becoming_active_reaches_the_pull_points_that_take_rules() -> None:
    state = OnvifState(pull_points=PullPoints(Clock()))
    rules = state.pull_points.create("vms", frozenset({RULE_TOPIC}), NOW + timedelta(minutes=10))
    ports = state.pull_points.create("vms", frozenset({RELAY_TOPIC}), NOW + timedelta(minutes=10))
    await notify_rule_change(state)(RuleChanged(rule_id=3, is_active=True, at=NOW))
    assert [(n.topic, n.source, n.data) for n in rules.take(10)] == [
        (RULE_TOPIC, ("RuleId", "3"), ("Active", "true"))
    ]
    assert ports.take(10) == []

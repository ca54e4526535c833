"""The bench's 256 rules, a realistic mix, and the rules engine's own throughput."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from actkit_events.domain.conditions import input_key
from actkit_events.domain.rules import Engine
from actkit_proto.events import (
    BroadcastAction,
    HoldIoAction,
    InputCondition,
    ManualCondition,
    MqttPublishAction,
    MqttStatefulCondition,
    PulseIoAction,
    RuleSpec,
)

LIGHTBAR_INPUT = 1
LAMP_OUTPUT = 2
BEACON_INPUT = 3
MQTT_OUTPUT = 4
QUIET_INPUT = 5
"""Watched by 43 quiet rules; the bus throughput run feeds it edges that fire nothing."""
MOTION_TOPIC = "bench/camera/motion"
SYSTEM_ID = 0x00BE0C11


def rule_mix() -> list[RuleSpec]:
    """256 rules: the four measured paths, and 252 that watch the same inputs but stay quiet.

    The quiet ones also need a manual trigger that is off, so every edge of a measured input
    evaluates dozens of rules without firing them.
    """
    rules = [
        RuleSpec(
            name="lightbar → lamp",
            conditions=[InputCondition(port_id=LIGHTBAR_INPUT)],
            action=HoldIoAction(port_id=LAMP_OUTPUT),
        ),
        RuleSpec(
            name="lightbar → cameras",
            conditions=[InputCondition(port_id=BEACON_INPUT)],
            action=BroadcastAction(system_id=SYSTEM_ID, message_type=1),
        ),
        RuleSpec(
            name="camera motion → output",
            conditions=[MqttStatefulCondition(subscription=MOTION_TOPIC, payload="On")],
            action=HoldIoAction(port_id=MQTT_OUTPUT),
        ),
    ]
    for index in range(len(rules), 256):
        trigger = ManualCondition(trigger_id=index + 1)
        watched = InputCondition(port_id=(LIGHTBAR_INPUT, BEACON_INPUT, 5, 6, 7, 8)[index % 6])
        action = (
            MqttPublishAction(topic=f"bench/rule/{index}", payload="{rule_name}")
            if index % 3 == 0
            else PulseIoAction(port_id=9, duration_ms=100)
            if index % 3 == 1
            else HoldIoAction(port_id=9)
        )
        rules.append(RuleSpec(name=f"quiet {index}", conditions=[watched, trigger], action=action))
    return rules


def engine_evaluations_per_s(edges: int = 20_000) -> tuple[float, int]:
    """Rule evaluations per second of the pure engine on one core, and rules per edge."""
    engine = Engine()
    for rule_id, spec in enumerate(rule_mix(), start=1):
        engine.put(rule_id, spec)
    key = input_key(LIGHTBAR_INPUT)
    now = datetime.now(UTC)
    started = time.perf_counter()
    for edge in range(edges):
        engine.observe(key, edge % 2 == 0, now)
    elapsed = time.perf_counter() - started
    return engine.evaluations / elapsed, len(engine.watched_by(key))

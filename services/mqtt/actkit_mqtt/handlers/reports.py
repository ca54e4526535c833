"""Device events published to the broker, and what the broker connection reports."""

from __future__ import annotations

import logging

from actkit_mqtt import domain
from actkit_mqtt.domain import MAX_PAYLOAD_BYTES, homeassistant
from actkit_mqtt.domain.publication import (
    beacon_event,
    beacon_presence_event,
    manual_trigger_event,
    port_event,
    rule_event,
    tampering_event,
)
from actkit_mqtt.handlers import demand
from actkit_mqtt.handlers.client import (
    announce_to_home_assistant,
    publish_device_event,
    publish_port_states,
    send,
)
from actkit_mqtt.handlers.deps import Deps
from actkit_mqtt.metrics import MESSAGES
from actkit_mqtt.ports import Received, Report, StatusReport
from actkit_proto import BusError
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.io import PortChanged, PortTampered, SetPort
from actkit_proto.mqtt import (
    ClientStatus,
    ClientStatusChanged,
    ConnectionState,
    MqttMessageReceived,
    MqttTopicChanged,
    topic_id,
)

log = logging.getLogger(__name__)


async def _switch_output(received_topic: str, payload: str, deps: Deps) -> None:
    try:
        port_id, is_active = homeassistant.parse_command(deps.prefix, received_topic, payload)
        await deps.bus.request(SetPort(port_id=port_id, is_active=is_active))
    except BusError as exc:
        log.warning("Home Assistant command on %s refused: %s", received_topic, exc.message)


async def publish_port_change(event: PortChanged, deps: Deps) -> None:
    await publish_device_event(
        deps, port_event(event.port_id, event.direction, event.is_active, deps.now_ms())
    )
    if deps.state.home_assistant.is_enabled and deps.broker.is_connected:
        send(deps, [homeassistant.state_message(deps.prefix, event.port_id, event.is_active)])


async def publish_tampering(event: PortTampered, deps: Deps) -> None:
    await publish_device_event(deps, tampering_event(event, deps.now_ms()))


async def publish_beacon(event: BeaconReceived, deps: Deps) -> None:
    await publish_device_event(deps, beacon_event(event, deps.now_ms()))


async def publish_beacon_presence(event: BeaconPresenceChanged, deps: Deps) -> None:
    await publish_device_event(deps, beacon_presence_event(event, deps.now_ms()))


async def publish_rule_activity(event: RuleChanged, deps: Deps) -> None:
    await publish_device_event(deps, rule_event(event))


async def publish_manual_trigger(event: ManualTriggerChanged, deps: Deps) -> None:
    await publish_device_event(deps, manual_trigger_event(event, deps.now_ms()))


async def handle_report(report: Report, deps: Deps) -> None:
    """Act on what the broker connection reports: a status change or a received message."""
    if isinstance(report, StatusReport):
        await _report_status(report, deps)
    else:
        await _route_message(report, deps)


async def _report_status(report: StatusReport, deps: Deps) -> None:
    status = ClientStatus(state=report.state, reason=report.reason, broker=report.broker)
    if status == deps.state.status:
        return
    # Before the status shows: a client that sees it connected finds the events heard.
    deps.state.connection = report.state
    await demand.follow(deps)
    deps.state.status = status
    if report.state is ConnectionState.ERROR:
        log.warning("mqtt %s: %s", report.broker, report.reason)
    if report.state is ConnectionState.CONNECTED:
        await publish_port_states(deps)
        if deps.state.home_assistant.is_enabled:
            await announce_to_home_assistant(deps)
    await deps.bus.publish(
        ClientStatusChanged(state=status.state, reason=status.reason, broker=status.broker)
    )


async def _route_message(received: Received, deps: Deps) -> None:
    if len(received.payload) > MAX_PAYLOAD_BYTES:
        log.warning(
            "dropped a %d-byte message on %s: too large", len(received.payload), received.topic
        )
        MESSAGES.labels("received", "too_large").inc()
        return
    try:
        payload = received.payload.decode()
    except UnicodeDecodeError:
        log.warning("dropped a message on %s: its payload is not UTF-8 text", received.topic)
        MESSAGES.labels("received", "not_utf8").inc()
        return
    MESSAGES.labels("received", "ok").inc()
    if deps.state.home_assistant.is_enabled and domain.filter_matches(
        homeassistant.command_filter(deps.prefix), received.topic
    ):
        await _switch_output(received.topic, payload, deps)
    for spec in deps.state.subscriptions.values():
        if not domain.filter_matches(domain.effective_filter(spec, deps.prefix), received.topic):
            continue
        if spec.is_stateful:
            # Not waiting for the bucket: the next message is handled at once, as io's edges.
            changed = MqttTopicChanged(
                topic_id=topic_id(received.topic),
                topic=received.topic,
                payload=payload,
                subscription=spec.filter,
            )
            await deps.bus.publish(changed, wait_kept=False)
        else:
            await deps.bus.publish(
                MqttMessageReceived(
                    topic=received.topic,
                    payload=payload,
                    subscription=spec.filter,
                    retained=received.is_retained,
                )
            )

"""The mqtt service's message handlers and its handler table."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client import Counter

from actkit_core.bus import Handlers, Publisher
from actkit_mqtt import domain
from actkit_mqtt.domain import (
    MAX_PAYLOAD_BYTES,
    MAX_SUBSCRIPTIONS,
    Outgoing,
    Secrets,
    homeassistant,
)
from actkit_mqtt.domain.publication import (
    DeviceEvent,
    beacon_event,
    beacon_presence_event,
    check_publication,
    manual_trigger_event,
    port_event,
    publication_message,
    rule_event,
    tampering_event,
)
from actkit_mqtt.ports import Broker, Received, Report, StatusReport
from actkit_mqtt.store import MqttStore
from actkit_proto import Ack, BusError, Conflict, Invalid, NotFound, Unavailable
from actkit_proto.ble import BeaconPresenceChanged, BeaconReceived
from actkit_proto.events import ManualTriggerChanged, RuleChanged
from actkit_proto.io import ListPorts, Port, PortChanged, PortTampered, SetPort
from actkit_proto.mqtt import (
    AddSubscription,
    ClientSettings,
    ClientStatus,
    ClientStatusChanged,
    ConnectionState,
    GetClientSettings,
    GetClientStatus,
    GetHomeAssistant,
    GetPublication,
    HomeAssistant,
    ListSubscriptions,
    MqttMessageReceived,
    MqttTopicChanged,
    Publication,
    PublishMqtt,
    RemoveSubscription,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
    Subscription,
    SubscriptionList,
    SubscriptionSpec,
    UpdateSubscription,
    topic_id,
)

log = logging.getLogger(__name__)

MESSAGES = Counter(
    "actkit_mqtt_messages_total",
    "MQTT messages by direction (sent, received) and outcome",
    ["direction", "outcome"],
)


@dataclass
class ClientState:
    """What the service holds in memory; the store is written only on changes."""

    settings: ClientSettings
    secrets: Secrets
    publication: Publication
    subscriptions: dict[int, SubscriptionSpec]
    home_assistant: HomeAssistant
    announced_ports: list[Port] = field(default_factory=list)
    """The ports last announced to Home Assistant."""
    status: ClientStatus = field(
        default_factory=lambda: ClientStatus(state=ConnectionState.DISCONNECTED)
    )


@dataclass(frozen=True)
class Deps:
    store: MqttStore
    bus: Publisher
    broker: Broker
    state: ClientState
    serial: str
    clock: Callable[[], int] = field(default=lambda: time.time_ns() // 1_000_000)
    """Wall-clock time in milliseconds, for publication timestamps."""

    @property
    def prefix(self) -> str:
        return domain.device_prefix(self.state.settings, self.serial)


async def load_state(store: MqttStore) -> ClientState:
    """The stored settings and subscriptions, as the service starts."""
    return ClientState(
        settings=await store.section("client", ClientSettings),
        secrets=await store.secrets(),
        publication=await store.section("publication", Publication),
        subscriptions=dict(await store.subscriptions()),
        home_assistant=await store.section("homeassistant", HomeAssistant),
    )


async def apply_connection(deps: Deps) -> None:
    """Connect with the current settings, or disconnect when the client is off."""
    if not deps.state.settings.is_enabled:
        await deps.broker.disconnect()
        return
    config = domain.connection_config(deps.state.settings, deps.state.secrets, deps.serial)
    await deps.broker.connect(config, _filters(deps))


def _filters(deps: Deps) -> dict[str, int]:
    filters: dict[str, int] = {}
    for spec in deps.state.subscriptions.values():
        topic_filter = domain.effective_filter(spec, deps.prefix)
        filters[topic_filter] = max(spec.qos, filters.get(topic_filter, 0))
    if deps.state.home_assistant.is_enabled:
        filters[homeassistant.command_filter(deps.prefix)] = 1
    return filters


async def get_client_settings(_command: GetClientSettings, deps: Deps) -> ClientSettings:
    return deps.state.settings


async def set_client_settings(command: SetClientSettings, deps: Deps) -> ClientSettings:
    settings, secrets = domain.apply_settings(deps.state.settings, deps.state.secrets, command)
    await deps.store.save_section("client", settings)
    await deps.store.save_secrets(secrets)
    deps.state.settings, deps.state.secrets = settings, secrets
    await apply_connection(deps)
    return settings


async def get_client_status(_command: GetClientStatus, deps: Deps) -> ClientStatus:
    return deps.state.status


async def publish_mqtt(command: PublishMqtt, deps: Deps) -> Ack:
    topic = f"{deps.prefix}/{command.topic}" if command.use_device_prefix else command.topic
    domain.check_topic(topic)
    if len(command.payload.encode()) > MAX_PAYLOAD_BYTES:
        raise Invalid(f"payload is longer than {MAX_PAYLOAD_BYTES} bytes")
    if not deps.state.settings.is_enabled:
        raise Unavailable("the MQTT client is off: turn on Connect in the MQTT client settings")
    if not deps.broker.is_connected:
        status = deps.state.status
        reason = f": {status.reason}" if status.reason else ""
        raise Unavailable(f"not connected to the MQTT broker ({status.state.value}{reason})")
    deps.broker.publish(Outgoing(topic, command.payload, command.qos, command.retain))
    MESSAGES.labels("sent", "ok").inc()
    return Ack()


async def get_publication(_command: GetPublication, deps: Deps) -> Publication:
    return deps.state.publication


async def set_publication(command: SetPublication, deps: Deps) -> Publication:
    publication = Publication.model_validate(command.publication.model_dump())
    check_publication(publication)
    await deps.store.save_section("publication", publication)
    deps.state.publication = publication
    return publication


def _subscription(deps: Deps, subscription_id: int, spec: SubscriptionSpec) -> Subscription:
    return Subscription(
        subscription_id=subscription_id,
        spec=spec,
        effective_filter=domain.effective_filter(spec, deps.prefix),
    )


async def list_subscriptions(_command: ListSubscriptions, deps: Deps) -> SubscriptionList:
    return SubscriptionList(
        subscriptions=[
            _subscription(deps, subscription_id, spec)
            for subscription_id, spec in sorted(deps.state.subscriptions.items())
        ]
    )


def _check_new_filter(deps: Deps, spec: SubscriptionSpec, replacing: int | None = None) -> str:
    domain.check_subscription(spec, deps.prefix)
    topic_filter = domain.effective_filter(spec, deps.prefix)
    for subscription_id, other in deps.state.subscriptions.items():
        if subscription_id != replacing and (
            domain.effective_filter(other, deps.prefix) == topic_filter
        ):
            raise Conflict(f"subscription {subscription_id} already subscribes to {topic_filter!r}")
    return topic_filter


async def add_subscription(command: AddSubscription, deps: Deps) -> Subscription:
    if len(deps.state.subscriptions) >= MAX_SUBSCRIPTIONS:
        raise Conflict(f"there are already {MAX_SUBSCRIPTIONS} subscriptions; remove one first")
    topic_filter = _check_new_filter(deps, command.spec)
    subscription_id = await deps.store.add_subscription(command.spec)
    deps.state.subscriptions[subscription_id] = command.spec
    deps.broker.subscribe(topic_filter, command.spec.qos)
    return _subscription(deps, subscription_id, command.spec)


async def update_subscription(command: UpdateSubscription, deps: Deps) -> Subscription:
    old = deps.state.subscriptions.get(command.subscription_id)
    if old is None:
        raise NotFound(f"there is no subscription {command.subscription_id}")
    topic_filter = _check_new_filter(deps, command.spec, replacing=command.subscription_id)
    await deps.store.replace_subscription(command.subscription_id, command.spec)
    deps.state.subscriptions[command.subscription_id] = command.spec
    old_filter = domain.effective_filter(old, deps.prefix)
    if old_filter != topic_filter:
        deps.broker.unsubscribe(old_filter)
    deps.broker.subscribe(topic_filter, command.spec.qos)
    return _subscription(deps, command.subscription_id, command.spec)


async def remove_subscription(command: RemoveSubscription, deps: Deps) -> Ack:
    spec = deps.state.subscriptions.get(command.subscription_id)
    if spec is None:
        raise NotFound(f"there is no subscription {command.subscription_id}")
    await deps.store.remove_subscription(command.subscription_id)
    del deps.state.subscriptions[command.subscription_id]
    deps.broker.unsubscribe(domain.effective_filter(spec, deps.prefix))
    return Ack()


async def get_home_assistant(_command: GetHomeAssistant, deps: Deps) -> HomeAssistant:
    return deps.state.home_assistant


async def set_home_assistant(command: SetHomeAssistant, deps: Deps) -> HomeAssistant:
    settings = HomeAssistant.model_validate(command.settings.model_dump())
    domain.check_topic(settings.discovery_prefix, "discovery prefix")
    was = deps.state.home_assistant
    if was.is_enabled and deps.broker.is_connected:
        _send(deps, homeassistant.removal_messages(was, deps.state.announced_ports, deps.serial))
    await deps.store.save_section("homeassistant", settings)
    deps.state.home_assistant = settings
    command_filter = homeassistant.command_filter(deps.prefix)
    if settings.is_enabled:
        deps.broker.subscribe(command_filter, 1)
        if deps.broker.is_connected:
            await _announce_to_home_assistant(deps)
    else:
        deps.broker.unsubscribe(command_filter)
    return settings


async def _announce_to_home_assistant(deps: Deps) -> None:
    try:
        ports = (await deps.bus.request(ListPorts())).ports
    except BusError as exc:
        log.warning("cannot announce the ports to Home Assistant: %s", exc.message)
        return
    deps.state.announced_ports = ports
    _send(
        deps,
        homeassistant.discovery_messages(
            deps.state.home_assistant, deps.state.settings, ports, deps.prefix, deps.serial
        ),
    )


def _send(deps: Deps, messages: list[Outgoing]) -> None:
    for message in messages:
        deps.broker.publish(message)
        MESSAGES.labels("sent", "ok").inc()


async def _switch_output(received_topic: str, payload: str, deps: Deps) -> None:
    try:
        port_id, is_active = homeassistant.parse_command(deps.prefix, received_topic, payload)
        await deps.bus.request(SetPort(port_id=port_id, is_active=is_active))
    except BusError as exc:
        log.warning("Home Assistant command on %s refused: %s", received_topic, exc.message)


async def _publish_device_event(deps: Deps, event: DeviceEvent) -> None:
    message = publication_message(deps.state.publication, event, deps.prefix, deps.serial)
    if message is None:
        return
    if not deps.broker.is_connected:
        MESSAGES.labels("sent", "not_connected").inc()
        return
    deps.broker.publish(message)
    MESSAGES.labels("sent", "ok").inc()


async def publish_port_change(event: PortChanged, deps: Deps) -> None:
    await _publish_device_event(deps, port_event(event, deps.clock()))
    if deps.state.home_assistant.is_enabled and deps.broker.is_connected:
        _send(deps, [homeassistant.state_message(deps.prefix, event.port_id, event.is_active)])


async def publish_tampering(event: PortTampered, deps: Deps) -> None:
    await _publish_device_event(deps, tampering_event(event, deps.clock()))


async def publish_beacon(event: BeaconReceived, deps: Deps) -> None:
    await _publish_device_event(deps, beacon_event(event, deps.clock()))


async def publish_beacon_presence(event: BeaconPresenceChanged, deps: Deps) -> None:
    await _publish_device_event(deps, beacon_presence_event(event, deps.clock()))


async def publish_rule_activity(event: RuleChanged, deps: Deps) -> None:
    await _publish_device_event(deps, rule_event(event))


async def publish_manual_trigger(event: ManualTriggerChanged, deps: Deps) -> None:
    await _publish_device_event(deps, manual_trigger_event(event, deps.clock()))


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
    deps.state.status = status
    if report.state is ConnectionState.ERROR:
        log.warning("mqtt %s: %s", report.broker, report.reason)
    if report.state is ConnectionState.CONNECTED and deps.state.home_assistant.is_enabled:
        await _announce_to_home_assistant(deps)
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
            await deps.bus.publish(
                MqttTopicChanged(
                    topic_id=topic_id(received.topic),
                    topic=received.topic,
                    payload=payload,
                    subscription=spec.filter,
                )
            )
        else:
            await deps.bus.publish(
                MqttMessageReceived(
                    topic=received.topic,
                    payload=payload,
                    subscription=spec.filter,
                    retained=received.is_retained,
                )
            )


HANDLERS: Handlers[Deps] = {
    GetClientSettings: get_client_settings,
    SetClientSettings: set_client_settings,
    GetClientStatus: get_client_status,
    PublishMqtt: publish_mqtt,
    GetPublication: get_publication,
    SetPublication: set_publication,
    ListSubscriptions: list_subscriptions,
    AddSubscription: add_subscription,
    UpdateSubscription: update_subscription,
    RemoveSubscription: remove_subscription,
    PortChanged: publish_port_change,
    PortTampered: publish_tampering,
    BeaconReceived: publish_beacon,
    BeaconPresenceChanged: publish_beacon_presence,
    RuleChanged: publish_rule_activity,
    ManualTriggerChanged: publish_manual_trigger,
    GetHomeAssistant: get_home_assistant,
    SetHomeAssistant: set_home_assistant,
}

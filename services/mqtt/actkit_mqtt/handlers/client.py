"""The MQTT client's settings, connection, publication, subscriptions and Home Assistant."""

from __future__ import annotations

import logging

from actkit_mqtt import domain
from actkit_mqtt.domain import (
    MAX_PAYLOAD_BYTES,
    MAX_SUBSCRIPTIONS,
    Outgoing,
    homeassistant,
)
from actkit_mqtt.domain.publication import (
    DeviceEvent,
    check_publication,
    port_event,
    publication_message,
)
from actkit_mqtt.handlers import demand
from actkit_mqtt.handlers.certificates import certificates_in_use, tls_material
from actkit_mqtt.handlers.deps import Deps
from actkit_mqtt.metrics import MESSAGES
from actkit_proto import Ack, BusError, Conflict, Invalid, NotFound, Unavailable
from actkit_proto.io import ListPorts
from actkit_proto.mqtt import (
    AddSubscription,
    ChangePublication,
    ClientSettings,
    ClientStatus,
    ClientStatusChanged,
    ConnectionState,
    DeviceEventKind,
    GetClientSettings,
    GetClientStatus,
    GetHomeAssistant,
    GetPublication,
    HomeAssistant,
    ListSubscriptions,
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
)

log = logging.getLogger(__name__)


async def apply_connection(deps: Deps) -> None:
    """Connect with the current settings, or disconnect when the client is off.

    Until the device's serial number is known the client stays disconnected: its default
    topic prefix, client id and connection messages all carry the serial.
    """
    if not deps.state.settings.is_enabled:
        await deps.broker.disconnect()
        return
    if not deps.state.serial:
        # Connecting now would publish under a prefix the device does not have.
        log.info("the MQTT client connects once the device's serial number is known")
        return
    settings = deps.state.settings
    try:
        tls = await tls_material(settings, deps)
    except BusError as exc:
        # Without its certificates the client would connect as another device, or trust any.
        await deps.broker.disconnect()
        reason = f"the certificate store did not give the chosen certificates: {exc.message}"
        log.warning("mqtt: %s", reason)
        deps.state.status = ClientStatus(state=ConnectionState.ERROR, reason=reason)
        await deps.bus.publish(ClientStatusChanged(state=ConnectionState.ERROR, reason=reason))
        return
    config = domain.connection_config(settings, deps.state.secrets, deps.serial, tls)
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
    async with certificates_in_use(deps.state.settings, settings, command.actor, deps):
        await deps.store.save(settings)
        await deps.store.save_secrets(secrets)
    deps.state.settings, deps.state.secrets = settings, secrets
    await apply_connection(deps)
    return settings


async def get_client_status(_command: GetClientStatus, deps: Deps) -> ClientStatus:
    if not deps.state.serial:
        return deps.state.status
    settings = deps.state.settings
    return deps.state.status.model_copy(
        update={
            "client_id": domain.client_id(settings, deps.serial),
            "device_topic_prefix": deps.prefix,
        }
    )


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
    async with deps.state.publication_lock:
        return await _store_publication(command.publication.model_dump(), deps)


async def change_publication(command: ChangePublication, deps: Deps) -> Publication:
    changes = command.model_dump(exclude_none=True, exclude={"actor"})
    async with deps.state.publication_lock:
        return await _store_publication(deps.state.publication.model_dump() | changes, deps)


async def _store_publication(fields: dict[str, object], deps: Deps) -> Publication:
    publication = Publication.model_validate(fields)
    check_publication(publication)
    await deps.store.save(publication)
    was, deps.state.publication = deps.state.publication, publication
    await demand.follow(deps)
    if DeviceEventKind.PORT not in was.conditions or was.retain != publication.retain:
        await publish_port_states(deps)  # clients see every port now, kept as the policy says
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
        send(deps, homeassistant.removal_messages(was, deps.state.announced_ports, deps.serial))
    await deps.store.save(settings)
    deps.state.home_assistant = settings
    await demand.follow(deps)
    command_filter = homeassistant.command_filter(deps.prefix)
    if settings.is_enabled:
        deps.broker.subscribe(command_filter, 1)
        if deps.broker.is_connected:
            await announce_to_home_assistant(deps)
    else:
        deps.broker.unsubscribe(command_filter)
    return settings


async def announce_to_home_assistant(deps: Deps) -> None:
    """Tell Home Assistant about every port (discovery messages)."""
    try:
        ports = (await deps.bus.request(ListPorts())).ports
    except BusError as exc:
        log.warning("cannot announce the ports to Home Assistant: %s", exc.message)
        return
    deps.state.announced_ports = ports
    send(
        deps,
        homeassistant.discovery_messages(
            deps.state.home_assistant, deps.state.settings, ports, deps.prefix, deps.serial
        ),
    )


async def publish_device_event(deps: Deps, event: DeviceEvent) -> None:
    """Publish a device event if the publication includes its kind and the client is connected."""
    if event.kind not in deps.state.publication.conditions:
        return
    if not deps.broker.is_connected:
        MESSAGES.labels("sent", "not_connected").inc()
        return
    message = publication_message(deps.state.publication, event, deps.prefix, deps.serial)
    if message is not None:
        send(deps, [message])


async def publish_port_states(deps: Deps) -> None:
    """Publish every port's current state, when ports are published.

    A VAPIX client takes the first message of a port as its initial state: sent on every
    connect (and kept by the broker under the ``property`` retain policy), it gives a client
    that subscribes later, or a broker that lost its retained messages, every port at once.
    """
    if DeviceEventKind.PORT not in deps.state.publication.conditions:
        return
    if not deps.broker.is_connected:
        return
    try:
        ports = (await deps.bus.request(ListPorts())).ports
    except BusError as exc:
        log.warning("cannot publish the ports' states: %s", exc.message)
        return
    now = deps.now_ms()
    for port in ports:
        await publish_device_event(
            deps, port_event(port.port_id, port.direction, port.is_active, now)
        )


def send(deps: Deps, messages: list[Outgoing]) -> None:
    """Hand messages to the broker connection and count them."""
    for message in messages:
        deps.broker.publish(message)
        MESSAGES.labels("sent", "ok").inc()

"""ONVIF events (``tev``): the topic set, PullPoint subscriptions fed by io's port changes."""

from __future__ import annotations

import asyncio
import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from actkit_proto.events import RuleChanged
from actkit_proto.io import ListPorts, PortChanged
from actkit_web.onvif.access import AccessClass
from actkit_web.onvif.pullpoints import (
    MAX_PULL_POINTS,
    Notification,
    PullPoint,
    port_notifications,
    rule_notification,
    topic_filter,
)
from actkit_web.onvif.service import Call, OnvifState, Operations
from actkit_web.onvif.soap import (
    TEV,
    WSNT,
    Fault,
    child,
    element,
    find_text,
    parse_duration,
    parse_termination,
    qualified,
    required_text,
)

CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
MAX_PULL_TIMEOUT = timedelta(minutes=5)
MAX_MESSAGE_LIMIT = 1000
SUBSCRIPTION_PATH = "/onvif/subscription/"
DEFAULT_LIFETIME = timedelta(minutes=10)


def events_capabilities(tag: str) -> ET.Element:
    return element(
        tag,
        WSSubscriptionPolicySupport="false",
        WSPullPointSupport="true",
        WSPausableSubscriptionManagerInterfaceSupport="false",
        MaxPullPoints=str(MAX_PULL_POINTS),
    )


PULL_POINTS = "ONVIF pull points"
"""What holds the port and rule changes for the pull points."""


async def follow_pull_points(state: OnvifState) -> None:
    """Hold io's port changes and the rules' changes while a pull point lives, not longer.

    Pull points expire unseen: the change that finds none left releases them.
    """
    is_wanted = len(state.pull_points) > 0
    await state.port_changes.want(PULL_POINTS, is_wanted)
    await state.rule_changes.want(PULL_POINTS, is_wanted)


def _let_go_when_none_left(state: OnvifState) -> None:
    if state.pull_points or not state.port_changes.is_held_by(PULL_POINTS):
        return
    # In a task of its own: unsubscribing ends the subscription's task, this change's caller.
    task = asyncio.create_task(follow_pull_points(state))
    state.letting_go.add(task)
    task.add_done_callback(state.letting_go.discard)


def notify_port_change(state: OnvifState) -> Callable[[PortChanged], Awaitable[None]]:
    """What the web does with each of io's port changes: queue it on every pull point."""

    async def queue_port_change(event: PortChanged) -> None:
        now = datetime.now(UTC)
        notifications = port_notifications(
            event.port_id, event.direction, event.is_active, "Changed", now
        )
        state.pull_points.deliver(notifications)
        _let_go_when_none_left(state)

    return queue_port_change


def notify_rule_change(state: OnvifState) -> Callable[[RuleChanged], Awaitable[None]]:
    """What the web does with each rule's change of activity: queue it on every pull point."""

    async def queue_rule_change(event: RuleChanged) -> None:
        state.pull_points.deliver([rule_notification(event.rule_id, event.is_active, event.at)])
        _let_go_when_none_left(state)

    return queue_rule_change


async def get_service_capabilities(_call: Call) -> ET.Element:
    answer = element("tev:GetServiceCapabilitiesResponse")
    answer.append(events_capabilities("tev:Capabilities"))
    return answer


def _describe(
    parent: ET.Element,
    source: str,
    source_type: str,
    data: str,
    data_type: str,
    is_property: bool = True,
) -> None:
    description = child(parent, "tt:MessageDescription", IsProperty=str(is_property).lower())
    child(
        child(description, "tt:Source"), "tt:SimpleItemDescription", Name=source, Type=source_type
    )
    child(child(description, "tt:Data"), "tt:SimpleItemDescription", Name=data, Type=data_type)


async def get_event_properties(_call: Call) -> ET.Element:
    answer = element("tev:GetEventPropertiesResponse")
    child(
        answer, "tev:TopicNamespaceLocation", "http://www.onvif.org/onvif/ver10/topics/topicns.xml"
    )
    child(answer, "wsnt:FixedTopicSet", True)
    topics = child(answer, "wstop:TopicSet")
    device = child(topics, "tns1:Device", **{"wstop:topic": "false"})
    trigger = ET.SubElement(device, "Trigger")
    digital = ET.SubElement(trigger, "DigitalInput", {qualified("wstop:topic"): "true"})
    _describe(digital, "InputToken", "tt:ReferenceToken", "LogicalState", "xs:boolean")
    relay = ET.SubElement(trigger, "Relay", {qualified("wstop:topic"): "true"})
    _describe(relay, "RelayToken", "tt:ReferenceToken", "LogicalState", "tt:RelayLogicalState")
    port = ET.SubElement(child(device, "tnsaxis:IO"), "Port", {qualified("wstop:topic"): "true"})
    _describe(port, "port", "xs:int", "state", "xs:boolean")
    rule_engine = child(topics, "tns1:RuleEngine", **{"wstop:topic": "false"})
    rule = child(child(rule_engine, "tnsaxis:Rule"), "Active", **{"wstop:topic": "true"})
    _describe(rule, "RuleId", "xs:int", "Active", "xs:boolean", is_property=False)
    child(answer, "wsnt:TopicExpressionDialect", CONCRETE_SET)
    child(
        answer,
        "wsnt:TopicExpressionDialect",
        "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete",
    )
    child(
        answer,
        "tev:MessageContentFilterDialect",
        "http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter",
    )
    child(
        answer,
        "tev:MessageContentSchemaLocation",
        "http://www.onvif.org/onvif/ver10/schema/onvif.xsd",
    )
    return answer


async def _initial_states(call: Call, point: PullPoint) -> None:
    now = datetime.now(UTC)
    for port in (await call.bus.request(ListPorts())).ports:
        point.offer(
            port_notifications(port.port_id, port.direction, port.is_active, "Initialized", now)
        )


def _owner(call: Call) -> str:
    assert call.identity is not None  # every subscription operation is authenticated
    return call.identity.name


async def create_pull_point_subscription(call: Call) -> ET.Element:
    operation = call.envelope.operation
    now = datetime.now(UTC)
    expression = operation.find(f"{qualified('tev:Filter')}/{qualified('wsnt:TopicExpression')}")
    topics = topic_filter(None if expression is None else expression.text, call.envelope.namespaces)
    initial = find_text(operation, "tev:InitialTerminationTime")
    terminates_at = parse_termination(initial, now) if initial else now + DEFAULT_LIFETIME
    point = call.state.pull_points.create(_owner(call), topics, terminates_at)
    # Subscribed before the initial states are read: no change after the read is missed.
    await follow_pull_points(call.state)
    policy = operation.find(qualified("tev:SubscriptionPolicy"))
    if policy is None or policy.find(qualified("tev:ChangedOnly")) is None:
        await _initial_states(call, point)
    answer = element("tev:CreatePullPointSubscriptionResponse")
    reference = child(answer, "tev:SubscriptionReference")
    child(reference, "wsa:Address", call.base_url + SUBSCRIPTION_PATH + point.id)
    child(answer, "wsnt:CurrentTime", now)
    child(answer, "wsnt:TerminationTime", point.terminates_at)
    return answer


def _point(call: Call) -> PullPoint:
    if call.point_id is None:
        raise Fault(
            "send this to the subscription's address (SubscriptionReference)",
            "InvalidArgVal",
            "ResourceUnknownFault",
        )
    return call.state.pull_points.get(call.point_id, _owner(call))


def _message(notification: Notification) -> ET.Element:
    message = element("wsnt:NotificationMessage")
    child(message, "wsnt:Topic", notification.topic, Dialect=CONCRETE_SET)
    body = child(
        child(message, "wsnt:Message"),
        "tt:Message",
        UtcTime=notification.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        PropertyOperation=notification.operation,
    )
    name, value = notification.source
    child(child(body, "tt:Source"), "tt:SimpleItem", Name=name, Value=value)
    name, value = notification.data
    child(child(body, "tt:Data"), "tt:SimpleItem", Name=name, Value=value)
    return message


async def pull_messages(call: Call) -> ET.Element:
    point = _point(call)
    timeout = parse_duration(required_text(call.operation, "tev:Timeout"))
    if timeout > MAX_PULL_TIMEOUT:
        raise Fault(f"Timeout may be at most {MAX_PULL_TIMEOUT}", "InvalidArgVal", "MaxTimeout")
    limit_text = required_text(call.operation, "tev:MessageLimit")
    if not limit_text.isdigit() or len(limit_text) > 9:
        raise Fault(f"MessageLimit {limit_text[:16]!r} is not a count", "InvalidArgVal")
    limit = min(int(limit_text), MAX_MESSAGE_LIMIT)
    if point.is_pulling:
        raise Fault(
            "another PullMessages is waiting on this subscription", "UnableToGetMessagesFault"
        )
    call.state.pull_points.keep_alive(point, timeout)
    point.is_pulling = True
    try:
        if not point.queue:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(point.arrived.wait(), timeout.total_seconds())
        taken = point.take(limit)
    finally:
        point.is_pulling = False
    answer = element("tev:PullMessagesResponse")
    child(answer, "tev:CurrentTime", datetime.now(UTC))
    child(answer, "tev:TerminationTime", point.terminates_at)
    for notification in taken:
        answer.append(_message(notification))
    return answer


async def renew(call: Call) -> ET.Element:
    point = _point(call)
    now = datetime.now(UTC)
    requested = find_text(call.operation, "wsnt:TerminationTime")
    call.state.pull_points.renew(
        point, parse_termination(requested, now) if requested else now + DEFAULT_LIFETIME
    )
    answer = element("wsnt:RenewResponse")
    child(answer, "wsnt:TerminationTime", point.terminates_at)
    child(answer, "wsnt:CurrentTime", now)
    return answer


async def unsubscribe(call: Call) -> ET.Element:
    call.state.pull_points.remove(_point(call))
    await follow_pull_points(call.state)
    return element("wsnt:UnsubscribeResponse")


async def set_synchronization_point(call: Call) -> ET.Element:
    await _initial_states(call, _point(call))
    return element("tev:SetSynchronizationPointResponse")


def _in(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


OPERATIONS: Operations = {
    _in(TEV, "GetServiceCapabilities"): (get_service_capabilities, AccessClass.PRE_AUTH),
    _in(TEV, "GetEventProperties"): (get_event_properties, AccessClass.READ_MEDIA),
    _in(TEV, "CreatePullPointSubscription"): (
        create_pull_point_subscription,
        AccessClass.READ_MEDIA,
    ),
    _in(TEV, "PullMessages"): (pull_messages, AccessClass.READ_MEDIA),
    _in(TEV, "SetSynchronizationPoint"): (set_synchronization_point, AccessClass.READ_MEDIA),
    _in(WSNT, "Renew"): (renew, AccessClass.READ_MEDIA),
    _in(WSNT, "Unsubscribe"): (unsubscribe, AccessClass.READ_MEDIA),
}

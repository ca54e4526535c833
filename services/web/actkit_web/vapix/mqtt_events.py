"""VAPIX MQTT event API (event.cgi): which device events mqtt publishes, and how, translated."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from actkit_proto.base import describe_validation_error
from actkit_proto.errors import Invalid
from actkit_proto.mqtt import (
    ChangePublication,
    DeviceEventKind,
    GetPublication,
    Publication,
    RetainPolicy,
)
from actkit_web.http.deps import acting_bus
from actkit_web.vapix.cgi import (
    INVALID_PARAMETER,
    UNSUPPORTED_METHOD,
    VapixModel,
    answer,
    cgi,
    error_answer,
    json_call,
    parse_params,
    versions,
)

EVENT_TOPICS: dict[DeviceEventKind, str] = {
    DeviceEventKind.PORT: "onvif:Device/axis:IO/Port",
    DeviceEventKind.TAMPERING: "onvif:Device/axis:IO/SupervisedPort",
    DeviceEventKind.MANUAL_TRIGGER: "onvif:Device/axis:IO/ManualTrigger",
    DeviceEventKind.RULE: "onvif:Device/axis:Rule/Active",
    DeviceEventKind.BEACON: "axis:Bluetooth/Beacon/Received",
    DeviceEventKind.BEACON_PRESENCE: "axis:Bluetooth/Beacon/Presence",
}
"""The VAPIX topic (``onvif:``/``axis:`` namespaces, as Axis devices publish) of each kind."""


ALL_EVENTS = "//."
"""A topic filter's "this topic and everything below it" suffix; alone it means every event."""


class VapixEventFilter(VapixModel):
    topic_filter: str = Field(alias="topicFilter", min_length=1)
    qos: Literal[0, 1, 2] | None = None
    retain: RetainPolicy | None = None


class VapixEventPublication(VapixModel):
    """``configureEventPublication`` params; keys left out keep their value."""

    topic_prefix: Literal["default", "custom"] | None = Field(default=None, alias="topicPrefix")
    custom_topic_prefix: str | None = Field(default=None, alias="customTopicPrefix")
    append_event_topic: bool | None = Field(default=None, alias="appendEventTopic")
    include_topic_namespaces: bool | None = Field(default=None, alias="includeTopicNamespaces")
    include_serial_number_in_payload: bool | None = Field(
        default=None, alias="includeSerialNumberInPayload"
    )
    event_filter_list: list[VapixEventFilter] | None = Field(default=None, alias="eventFilterList")


def event_publication(publication: Publication) -> dict[str, Any]:
    """``getEventPublicationConfig`` data: every key, one filter per published event kind."""
    return {
        "eventPublicationConfig": {
            "topicPrefix": "default" if publication.uses_default_prefix else "custom",
            "customTopicPrefix": publication.custom_prefix,
            "appendEventTopic": publication.includes_topic_name,
            "includeTopicNamespaces": publication.includes_namespaces,
            "includeSerialNumberInPayload": publication.includes_serial,
            "eventFilterList": [
                {
                    "topicFilter": EVENT_TOPICS[kind],
                    "qos": publication.qos,
                    "retain": publication.retain.value,
                }
                for kind in DeviceEventKind
                if kind in publication.conditions
            ],
        }
    }


def _vapix_namespaces(topic: str) -> str:
    """A topic in the ``onvif:``/``axis:`` form whichever namespace prefixes it was given in."""
    return "/".join(
        segment.replace("tns1:", "onvif:", 1).replace("tnsaxis:", "axis:", 1)
        for segment in topic.split("/")
    )


def kinds_of_filter(topic_filter: str) -> list[DeviceEventKind]:
    """The event kinds a VAPIX topic filter selects: one topic, or a topic and all below it.

    Raises:
        Invalid: it selects no event this device publishes.
    """
    wanted = _vapix_namespaces(topic_filter)
    if wanted == ALL_EVENTS:
        return list(DeviceEventKind)
    if wanted.endswith(ALL_EVENTS):
        root = wanted.removesuffix(ALL_EVENTS)
        kinds = [
            kind
            for kind, topic in EVENT_TOPICS.items()
            if topic == root or topic.startswith(root + "/")
        ]
    else:
        kinds = [kind for kind, topic in EVENT_TOPICS.items() if topic == wanted]
    if not kinds:
        known = ", ".join(EVENT_TOPICS.values())
        raise Invalid(
            f"topicFilter {topic_filter!r} matches no event of this device; use {ALL_EVENTS} "
            f"or one of {known} (a topic followed by {ALL_EVENTS} takes everything below it)"
        )
    return kinds


def configure_event_publication(params: object) -> ChangePublication:
    """The mqtt service's publication change for a ``configureEventPublication`` call.

    Keys left out keep their value (the owner applies the change to the settings in force).
    The device applies one QoS and one retain policy to every published event, so the filters
    that give them must agree.

    Raises:
        Invalid: a key is unknown or wrong, a filter matches nothing, or filters disagree.
    """
    config: VapixEventPublication = parse_params(
        VapixEventPublication, params, "event publication configuration"
    )
    changes: dict[str, object] = {
        "uses_default_prefix": (
            None if config.topic_prefix is None else config.topic_prefix == "default"
        ),
        "custom_prefix": config.custom_topic_prefix,
        "includes_topic_name": config.append_event_topic,
        "includes_namespaces": config.include_topic_namespaces,
        "includes_serial": config.include_serial_number_in_payload,
    }
    if config.event_filter_list is not None:
        filters = config.event_filter_list
        selected = {kind for item in filters for kind in kinds_of_filter(item.topic_filter)}
        changes["conditions"] = [kind for kind in DeviceEventKind if kind in selected]
        qos_given = {item.qos for item in filters if item.qos is not None}
        retain_given = {item.retain for item in filters if item.retain is not None}
        if len(qos_given) > 1 or len(retain_given) > 1:
            raise Invalid(
                "every eventFilterList item must use the same qos and retain: this device "
                "publishes all events with one QoS and one retain policy"
            )
        changes["qos"] = qos_given.pop() if qos_given else None
        changes["retain"] = retain_given.pop() if retain_given else None
    try:
        return ChangePublication.model_validate(changes)
    except ValidationError as exc:
        raise Invalid(describe_validation_error(exc)) from None


EVENT_API = "event-mqtt-bridge"


async def mqtt_event(request: Request) -> Response:
    bus = await acting_bus(request)
    body, _, method = await json_call(request)
    if method == "getSupportedVersions":
        return versions(EVENT_API, body)
    try:
        if method == "getEventPublicationConfig":
            publication = await bus.request(GetPublication())
            return answer(EVENT_API, body, event_publication(publication))
        if method == "configureEventPublication":
            await bus.request(configure_event_publication(body.get("params")))
            return answer(EVENT_API, body, {})
    except Invalid as exc:
        return error_answer(EVENT_API, body, INVALID_PARAMETER, exc.message)
    return error_answer(
        EVENT_API,
        body,
        UNSUPPORTED_METHOD,
        f"unknown method {method!r}; use getEventPublicationConfig or configureEventPublication",
    )


ROUTES = [cgi("/mqtt/event.cgi", mqtt_event, "POST")]

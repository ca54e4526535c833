"""Messages of the mqtt service: publish to the broker, and what arrives from it."""

from __future__ import annotations

import base64
from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Role

Qos = Annotated[int, Field(ge=0, le=2)]
Topic = Annotated[str, Field(min_length=1, max_length=65535)]


def topic_id(topic: str) -> str:
    """A subject-safe id of an MQTT topic (URL-safe base64 without padding)."""
    return base64.urlsafe_b64encode(topic.encode()).decode().rstrip("=")


def topic_of(topic_id_: str) -> str:
    """The MQTT topic of a :func:`topic_id`."""
    padding = "=" * (-len(topic_id_) % 4)
    return base64.urlsafe_b64decode(topic_id_ + padding).decode()


class PublishMqtt(Command[Ack]):
    """Publish a message to the broker (the rules' "Send MQTT publish" action)."""

    subject: ClassVar[str] = "mqtt.publish"
    required_role: ClassVar[Role] = Role.OPERATOR

    topic: Topic
    payload: str = Field(max_length=262_144)
    qos: Qos = 0
    retain: bool = False
    use_device_prefix: bool = False
    """Prefix the topic with the device topic prefix (``axis/<serial>`` by default)."""


class MqttMessageReceived(Event):
    """A message arrived on one of the subscriptions (the "Stateless" condition)."""

    subject: ClassVar[str] = "mqtt.message.received"

    topic: str
    payload: str
    subscription: str
    """The subscription filter it matched."""
    retained: bool = False


class MqttTopicChanged(Event):
    """The last payload of a topic on a stateful subscription (the "Stateful" condition).

    ``topic_id`` is :func:`topic_id` of ``topic``, so the KV bucket keeps one value per topic.
    """

    subject: ClassVar[str] = "mqtt.topic.{topic_id}.changed"
    stateful: ClassVar[bool] = True

    topic_id: str
    topic: str
    payload: str
    subscription: str

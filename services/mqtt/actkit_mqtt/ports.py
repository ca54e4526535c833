"""The broker connection as the service sees it, and what the connection reports back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from actkit_mqtt.domain import ConnectionConfig, Outgoing
from actkit_proto.mqtt import ConnectionState


@dataclass(frozen=True)
class StatusReport:
    """The connection changed state."""

    state: ConnectionState
    reason: str = ""
    broker: str = ""


@dataclass(frozen=True)
class Received:
    """A message arrived from the broker (payload as sent, not yet decoded)."""

    topic: str
    payload: bytes
    is_retained: bool


Report = StatusReport | Received


class Broker(Protocol):
    """A connection to an MQTT broker that reports on the service's event loop."""

    @property
    def is_connected(self) -> bool:
        """Whether messages can be sent now."""

    async def connect(self, config: ConnectionConfig, filters: Mapping[str, int]) -> None:
        """(Re)connect with ``config`` and keep ``filters`` (filter -> QoS) subscribed."""

    async def disconnect(self) -> None:
        """Disconnect gracefully (no last will) and stop reconnecting."""

    def publish(self, message: Outgoing) -> None:
        """Send one message.

        Raises:
            Unavailable: not connected.
        """

    def subscribe(self, topic_filter: str, qos: int) -> None:
        """Subscribe now if connected, and again after each reconnect."""

    def unsubscribe(self, topic_filter: str) -> None:
        """Stop receiving ``topic_filter``."""

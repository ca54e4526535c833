"""What every handler of the mqtt service is given: the store, the bus, the broker, the state."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from actkit_core.bus import Publisher
from actkit_core.clock import Clock, SystemClock
from actkit_core.interest import Interest
from actkit_mqtt import domain
from actkit_mqtt.domain import Secrets
from actkit_mqtt.ports import Broker
from actkit_mqtt.store import MqttStore
from actkit_proto import Unavailable
from actkit_proto.base import Event
from actkit_proto.io import Port
from actkit_proto.mqtt import (
    ClientSettings,
    ClientStatus,
    ConnectionState,
    HomeAssistant,
    Publication,
    SubscriptionSpec,
)

NO_IDENTITY = "the device's serial number is not known yet: is the system service running?"


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
    serial: str = ""
    """The device's serial number from the system service; empty until it has answered."""
    publication_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    connection: ConnectionState = ConnectionState.DISCONNECTED
    """The connection's state as last reported, set before ``status`` shows it."""
    demand_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    """Held while the device events heard follow the connection and the publication."""
    """Held while the publication is changed, so that changes apply one after the other."""


@dataclass(frozen=True)
class Deps:
    store: MqttStore
    bus: Publisher
    broker: Broker
    state: ClientState
    clock: Clock = field(default_factory=SystemClock)
    on_demand: Mapping[type[Event], Interest] = field(default_factory=dict)
    """The device events heard only while published (see ``demand``); none: all, always."""

    def now_ms(self) -> int:
        """Wall-clock time in milliseconds, for publication timestamps."""
        return int(self.clock.now().timestamp() * 1000)

    @property
    def serial(self) -> str:
        """The device's serial number.

        Raises:
            Unavailable: the system service has not told it yet.
        """
        if not self.state.serial:
            raise Unavailable(NO_IDENTITY)
        return self.state.serial

    @property
    def prefix(self) -> str:
        return domain.device_prefix(self.state.settings, self.serial)


async def load_state(store: MqttStore) -> ClientState:
    """The stored settings and subscriptions, as the service starts."""
    # A proxy password stored inside its URL before it was kept apart moves to the secrets.
    settings, secrets = domain.keep_proxy_passwords(
        await store.load(ClientSettings), await store.secrets()
    )
    return ClientState(
        settings=settings,
        secrets=secrets,
        publication=await store.load(Publication),
        subscriptions=dict(await store.subscriptions()),
        home_assistant=await store.load(HomeAssistant),
    )

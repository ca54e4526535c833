import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path

import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_mqtt.domain import ConnectionConfig, Outgoing
from actkit_mqtt.handlers import HANDLERS, Deps, load_state
from actkit_mqtt.main import MIGRATIONS
from actkit_mqtt.store import MqttStore
from actkit_proto import Unavailable

SERIAL = "B8A44F0000AA"


class RecordingBroker:
    """Stands in for the broker connection in unit tests: records what the service asks of it."""

    def __init__(self) -> None:
        self.is_connected = False
        self.config: ConnectionConfig | None = None
        self.filters: dict[str, int] = {}
        self.sent: list[Outgoing] = []

    async def connect(self, config: ConnectionConfig, filters: Mapping[str, int]) -> None:
        self.config = config
        self.filters = dict(filters)
        self.is_connected = True

    async def disconnect(self) -> None:
        self.config = None
        self.is_connected = False

    def publish(self, message: Outgoing) -> None:
        if not self.is_connected:
            raise Unavailable("not connected")
        self.sent.append(message)

    def subscribe(self, topic_filter: str, qos: int) -> None:
        self.filters[topic_filter] = qos

    def unsubscribe(self, topic_filter: str) -> None:
        self.filters.pop(topic_filter, None)


@pytest_asyncio.fixture
async def broker() -> RecordingBroker:
    return RecordingBroker()


@pytest_asyncio.fixture
async def deps(
    fake_bus: FakeBus, tmp_db: Callable[[str], Path], broker: RecordingBroker, clock: FakeClock
) -> AsyncIterator[Deps]:
    """The mqtt service's handlers on a FakeBus, a fresh database and a recording broker."""
    async with contextlib.AsyncExitStack() as stack:
        sessions = await stack.enter_async_context(open_db(tmp_db(MIGRATIONS)))
        store = MqttStore(sessions)
        built = Deps(
            store=store,
            bus=fake_bus,
            broker=broker,
            state=await load_state(store),
            clock=clock,
        )
        built.state.serial = SERIAL  # as the system service told it at start
        await fake_bus.serve(HANDLERS, built)
        yield built

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from actkit_core.db import open_db
from actkit_core.lifecycle import Runtime
from actkit_core.testing.clock import FakeClock
from actkit_core.testing.fake_bus import FakeBus
from actkit_events.handlers import HANDLERS, Deps
from actkit_events.handlers.reactions import catch_up
from actkit_events.main import MIGRATIONS, assemble, start_rules
from actkit_events.settings import EventsSettings
from actkit_proto.io import (
    Direction,
    HoldPort,
    ListPorts,
    Port,
    PortList,
    PulsePort,
    ReleasePort,
)

from .unit.examples import board_port


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 12, 0, tzinfo=UTC))


def port_reply(port_id: int, is_active: bool = True) -> Port:
    return Port(
        port_id=port_id,
        name=f"Port {port_id}",
        direction="output",
        normal_state="open",
        is_configurable=True,
        is_active=is_active,
        circuit="closed" if is_active else "open",
    )


@pytest.fixture
def io_answers(fake_bus: FakeBus) -> FakeBus:
    """The io service's output commands, answered as io would."""

    async def hold(command: HoldPort) -> Port:
        return port_reply(command.port_id, command.is_active)

    async def release(command: ReleasePort) -> Port:
        return port_reply(command.port_id, False)

    async def pulse(command: PulsePort) -> Port:
        return port_reply(command.port_id, command.is_active)

    fake_bus.answer(HoldPort, hold)
    fake_bus.answer(ReleasePort, release)
    fake_bus.answer(PulsePort, pulse)
    return fake_bus


@pytest.fixture
def board(fake_bus: FakeBus) -> PortList:
    """io with the W401's nine ports: 1-7 inputs (3 supervised), 8 an output, 9 the relay."""
    ports = [board_port(p, Direction.INPUT, is_supervised=p == 3) for p in range(1, 8)]
    ports += [board_port(8, Direction.OUTPUT), board_port(9, Direction.OUTPUT)]
    answer = PortList(ports=ports, board="AXIS W401")

    async def list_ports(_command: ListPorts) -> PortList:
        return answer

    fake_bus.answer(ListPorts, list_ports)
    return answer


StartEvents = Callable[..., contextlib.AbstractAsyncContextManager[Deps]]


@pytest_asyncio.fixture
async def start_events(
    fake_bus: FakeBus, tmp_db: Callable[[str], Path], clock: FakeClock
) -> AsyncIterator[StartEvents]:
    """Start the events service as main.py does, on a FakeBus; may be called again (restart).

    ``before_serving`` runs after the rules started and before the handlers subscribe: what it
    publishes reaches no handler, as a change told in that moment would not.
    """
    settings = EventsSettings(db_path=tmp_db(MIGRATIONS), log_size=50)

    @contextlib.asynccontextmanager
    async def start(
        before_serving: Callable[[], Awaitable[None]] | None = None,
    ) -> AsyncIterator[Deps]:
        fake_bus._dispatchers.clear()
        async with open_db(settings.database) as sessions:
            deps = assemble(settings, Runtime(fake_bus, sessions), clock)  # type: ignore[arg-type]
            await start_rules(deps)
            if before_serving is not None:
                await before_serving()
            await fake_bus.serve(HANDLERS, deps)
            await catch_up(deps)
            yield deps

    yield start


@pytest_asyncio.fixture
async def deps(start_events: StartEvents, io_answers: FakeBus) -> AsyncIterator[Deps]:
    async with start_events() as built:
        yield built

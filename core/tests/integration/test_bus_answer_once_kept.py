"""Commands answered once kept: the next is handled while a state is written, each answer waits."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from actkit_core.bus import Bus
from actkit_core.testing.eventually import eventually
from actkit_proto.errors import BusError
from actkit_proto.io import Circuit, Direction, Port, PortChanged, SetPort


class HeldBus(Bus):
    """A bus whose writes to the bucket wait until let through (or fail, if told to)."""

    gate: asyncio.Event
    fails = False

    async def _keep(self, subject: str, data: bytes) -> None:
        await self.gate.wait()
        if self.fails:
            raise RuntimeError("the bucket is gone")
        await super()._keep(subject, data)


RELAY = {"name": "Relay", "direction": "output", "normal_state": "open", "is_configurable": True}


@dataclass
class Deps:
    bus: Bus
    handled: list[bool] = field(default_factory=list)


async def set_port(command: SetPort, deps: Deps) -> Port:
    deps.handled.append(command.is_active)
    circuit = Circuit.CLOSED if command.is_active else Circuit.OPEN
    changed = PortChanged(
        port_id=command.port_id,
        direction=Direction.OUTPUT,
        is_active=command.is_active,
        circuit=circuit,
        edge_ns=len(deps.handled),
    )
    await deps.bus.publish(changed)
    return Port.model_validate(
        {**RELAY, **changed.model_dump(include={"port_id", "is_active", "circuit"})}
    )


@asynccontextmanager
async def held_io(nats_server: str) -> AsyncIterator[tuple[HeldBus, Deps]]:
    """io serving SetPort answered once kept, its writes held until the gate opens."""
    async with HeldBus.connect("io", servers=[nats_server]) as service:
        assert isinstance(service, HeldBus)
        service.gate = asyncio.Event()
        deps = Deps(service)
        await service.serve(
            {SetPort: set_port}, deps, version="1.2.3", answered_once_kept={SetPort}
        )
        yield service, deps


async def test_the_next_command_is_handled_while_a_state_is_kept(
    bus: Bus, nats_server: str
) -> None:
    async with held_io(nats_server) as (service, deps):
        first = asyncio.create_task(bus.request(SetPort(port_id=21, is_active=True)))
        await eventually(lambda: deps.handled == [True], timeout_s=5)
        second = asyncio.create_task(bus.request(SetPort(port_id=21, is_active=False)))
        # Handled while the first state is still being written.
        await eventually(lambda: deps.handled == [True, False], timeout_s=5)
        assert not first.done()
        assert not second.done()
        service.gate.set()
        answers = await asyncio.gather(first, second)
        assert [answer.is_active for answer in answers] == [True, False]
        kept = await bus.current(PortChanged, port_id="21")
        assert [changed.is_active for changed in kept] == [False]


async def test_a_state_that_could_not_be_kept_is_answered_with_an_error(
    bus: Bus, nats_server: str
) -> None:
    async with held_io(nats_server) as (service, deps):
        service.fails = True
        service.gate.set()
        with pytest.raises(BusError, match="io failed to handle SetPort: RuntimeError"):
            await bus.request(SetPort(port_id=22, is_active=True))
        assert deps.handled == [True]


async def test_a_bus_closed_while_a_state_is_kept_answers_before_it_closes(
    bus: Bus, nats_server: str
) -> None:
    async with held_io(nats_server) as (service, deps):
        answer = asyncio.create_task(bus.request(SetPort(port_id=23, is_active=True)))
        await eventually(lambda: deps.handled == [True], timeout_s=5)
        closing = asyncio.create_task(service.close())
        await asyncio.sleep(0)
        service.gate.set()
        await closing
    assert (await answer).is_active is True

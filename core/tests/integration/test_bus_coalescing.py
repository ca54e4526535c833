"""A served event in a mailbox: a slow handler sees the newest, the rest is counted as coalesced."""

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar

from prometheus_client import REGISTRY

from actkit_core.bus import Bus
from actkit_core.coalescing import Coalescing, newest
from actkit_core.testing.eventually import eventually
from actkit_proto import Event
from actkit_proto.io import GetPort, Port
from actkit_proto.service import GetServiceStatus


class Level(Event):
    """Test only: a stateful level the service follows."""

    subject: ClassVar[str] = "io.test.{line}.level"
    stateful: ClassVar[bool] = True
    line: int
    value: int


@dataclass
class Deps:
    seen: list[int] = field(default_factory=list)
    gate: asyncio.Event = field(default_factory=asyncio.Event)


async def follow_level(event: Level, deps: Deps) -> None:
    deps.seen.append(event.value)
    await deps.gate.wait()


async def get_port(command: GetPort, _deps: Deps) -> Port:
    return Port(
        port_id=command.port_id,
        name="Door",
        direction="input",
        normal_state="open",
        is_configurable=True,
        is_active=False,
        circuit="open",
    )


def coalesced_count() -> float:
    labels = {"service": "io", "subject": "io.test.*.level", "outcome": "coalesced"}
    return REGISTRY.get_sample_value("actkit_bus_messages_total", labels) or 0.0


async def test_a_blocked_handler_then_sees_only_the_newest_level(
    bus: Bus, nats_server: str
) -> None:
    deps = Deps()
    before = coalesced_count()
    async with Bus.connect("io", servers=[nats_server]) as service:
        await service.serve(
            {Level: follow_level, GetPort: get_port},
            deps,
            version="1.2.3",
            coalescing=Coalescing({Level: newest}),
        )
        await bus.request(GetPort(port_id=1))
        for value in range(2000):
            await bus.client.publish(
                Level(line=1, value=value).to_subject(), b'{"value": %d}' % value
            )
        await bus.client.flush()
        await eventually(lambda: deps.seen, timeout_s=2)
        deps.gate.set()

        async def all_taken() -> bool:
            status = await bus.request(GetServiceStatus(service="io"))
            return status.handled >= 2000 + 2  # the GetPort and this status request too

        await eventually(all_taken, timeout_s=5)
        assert deps.seen[-1] == 1999
        assert deps.seen == sorted(deps.seen)
        assert coalesced_count() - before == 2000 - len(deps.seen)
        assert len(deps.seen) < 2000


async def test_closing_lets_the_mailbox_finish_what_waits(bus: Bus, nats_server: str) -> None:
    deps = Deps()
    async with Bus.connect("io", servers=[nats_server]) as service:
        await service.serve(
            {Level: follow_level, GetPort: get_port},
            deps,
            version="1.2.3",
            coalescing=Coalescing({Level: newest}),
        )
        await bus.request(GetPort(port_id=1))
        await bus.client.publish("io.test.2.level", b'{"value": 1}')
        await eventually(lambda: deps.seen, timeout_s=2)
        await bus.client.publish("io.test.2.level", b'{"value": 2}')
        await bus.client.flush()
        await asyncio.sleep(0.05)  # the server has passed it on: it waits in the mailbox
        asyncio.get_running_loop().call_later(0.05, deps.gate.set)
    assert deps.seen == [1, 2]


async def test_states_published_without_waiting_end_with_the_newest_kept(bus: Bus) -> None:
    for value in range(500):
        await bus.publish(Level(line=3, value=value), wait_kept=False)

    async def kept() -> list[Level]:
        return await bus.current(Level, line="3")

    await eventually(lambda: _is(kept(), [Level(line=3, value=499)]), timeout_s=5)


async def _is(found: Any, expected: object) -> bool:
    return bool(await found == expected)

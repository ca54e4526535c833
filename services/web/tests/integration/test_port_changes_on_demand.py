"""The web hears port and rule changes only while a page, a stream or a pull point does."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from actkit_core.bus import Bus
from actkit_core.interest import Interest
from actkit_core.testing.interest import has_interest, interest_becomes
from actkit_core.testing.plugin import running
from actkit_proto.events import RuleChanged
from actkit_proto.io import Circuit, Direction, PortChanged
from actkit_web.http.feed import PortFeed
from actkit_web.main import serve
from actkit_web.onvif.events import follow_pull_points, notify_port_change
from actkit_web.onvif.pullpoints import TOPICS, PullPoints
from actkit_web.onvif.service import OnvifState

from ..serving import local_settings

PORT_CHANGES = "io.port.1.changed"
RULE_CHANGES = "events.rule.1.changed"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def changed(is_active: bool) -> PortChanged:
    circuit = Circuit.CLOSED if is_active else Circuit.OPEN
    return PortChanged(
        port_id=1, direction=Direction.INPUT, is_active=is_active, circuit=circuit, edge_ns=1
    )


async def send(bus: Bus, event: PortChanged) -> None:
    """Published (the server has it once this returns), not kept: no JetStream write to wait on."""
    await bus.client.publish(event.to_subject(), event.to_wire())
    await bus.client.flush()


async def test_the_web_hears_no_port_or_rule_change_while_nobody_listens(
    nats_server: str, bus: Bus, tmp_path: Path
) -> None:
    async with running(serve, local_settings(nats_server, tmp_path)):
        assert not await has_interest(bus.client, PORT_CHANGES)
        assert not await has_interest(bus.client, RULE_CHANGES)


async def test_a_feed_subscriber_holds_the_port_changes_and_gets_each_one_after_it_entered(
    nats_server: str, bus: Bus
) -> None:
    async with Bus.connect("web", servers=[nats_server]) as web:
        feed = PortFeed()
        await feed.interest.attach(lambda: web.subscribe(PortChanged, feed.deliver))
        assert not await has_interest(bus.client, PORT_CHANGES)
        async with feed.subscription() as queue, feed.subscription() as other:
            # Entered means subscribed: a change published now is not missed.
            await send(bus, changed(True))
            assert (await asyncio.wait_for(queue.get(), 5)).is_active
            assert (await asyncio.wait_for(other.get(), 5)).is_active
        await interest_becomes(bus.client, PORT_CHANGES, wanted=False)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


async def test_a_pull_point_holds_port_and_rule_changes_until_it_ends_or_expires(
    nats_server: str, bus: Bus
) -> None:
    clock = Clock()
    state = OnvifState(pull_points=PullPoints(clock), port_changes=Interest())
    async with Bus.connect("web", servers=[nats_server]) as web:
        await state.port_changes.attach(
            lambda: web.subscribe(PortChanged, notify_port_change(state))
        )
        await state.rule_changes.attach(lambda: web.subscribe(RuleChanged, _ignore))
        point = state.pull_points.create("vms", frozenset(TOPICS), NOW + timedelta(minutes=1))
        await follow_pull_points(state)
        assert await has_interest(bus.client, PORT_CHANGES)
        assert await has_interest(bus.client, RULE_CHANGES)
        state.pull_points.remove(point)
        await follow_pull_points(state)
        assert not await has_interest(bus.client, PORT_CHANGES)
        assert not await has_interest(bus.client, RULE_CHANGES)

        state.pull_points.create("vms", frozenset(TOPICS), NOW + timedelta(minutes=1))
        await follow_pull_points(state)
        clock.now = NOW + timedelta(minutes=2)
        # Expired unseen: the next change finds no pull point left and lets the changes go.
        await send(bus, changed(True))
        await interest_becomes(bus.client, PORT_CHANGES, wanted=False)
        await interest_becomes(bus.client, RULE_CHANGES, wanted=False)


async def _ignore(_event: RuleChanged) -> None:
    return None

"""Subscriptions held on demand: a served event's and a client's, on a real nats-server."""

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from actkit_core.bus import Bus
from actkit_core.interest import Interest
from actkit_core.settling import settled
from actkit_core.testing.eventually import eventually
from actkit_core.testing.interest import has_interest, interest_becomes
from actkit_proto.io import Circuit, Direction, PortChanged

SUBJECT = "io.port.3.changed"


def changed(is_active: bool) -> PortChanged:
    return PortChanged(
        port_id=3,
        direction=Direction.INPUT,
        is_active=is_active,
        circuit=Circuit.CLOSED if is_active else Circuit.OPEN,
        edge_ns=0,
    )


async def send(bus: Bus, event: PortChanged) -> None:
    """Published (the server has it once this returns), not kept: no JetStream write to wait on."""
    await bus.client.publish(event.to_subject(), event.to_wire())
    await settled(bus.client)


@dataclass
class Deps:
    seen: list[bool] = field(default_factory=list)


async def note(event: PortChanged, deps: Deps) -> None:
    deps.seen.append(event.is_active)


async def test_a_served_event_on_demand_arrives_only_while_its_interest_is_held(
    nats_server: str, bus: Bus
) -> None:
    deps = Deps()
    async with Bus.connect("mqtt", servers=[nats_server]) as service:
        interest = service.on_demand(PortChanged)
        await interest.hold("early")  # before serve: counted, subscribed once served
        assert not interest.is_subscribed
        await service.serve({PortChanged: note}, deps, version="1.0.0")
        assert interest.is_subscribed
        await send(bus, changed(True))
        await eventually(lambda: deps.seen == [True], timeout_s=10)
        await interest.release("early")
        await interest_becomes(bus.client, SUBJECT, wanted=False)
        await send(bus, changed(False))
        await interest.hold("again")
        await send(bus, changed(True))
        await eventually(lambda: len(deps.seen) == 2, timeout_s=10)
        assert deps.seen == [True, True]  # the change while nobody held it never arrived


async def test_a_served_event_not_on_demand_is_subscribed_at_once(
    nats_server: str, bus: Bus
) -> None:
    async with Bus.connect("mqtt", servers=[nats_server]) as service:
        await service.serve({PortChanged: note}, Deps(), version="1.0.0")
        assert await has_interest(bus.client, SUBJECT)


async def test_a_held_interest_subscribes_once_and_the_last_holder_out_unsubscribes(
    bus: Bus, nats_server: str
) -> None:
    received: list[bool] = []

    async def receive(event: PortChanged) -> None:
        received.append(event.is_active)

    interest = Interest(lambda: bus.subscribe(PortChanged, receive, port_id="3"))
    async with Bus.connect("peer", servers=[nats_server]) as peer:
        assert not await has_interest(peer.client, SUBJECT)
        async with interest.held():
            await interest.hold("ui")
            await interest.hold("ui")  # a holder counts once
            assert interest.holders == 2
            assert interest.is_held_by("ui")
            # Held means subscribed at the server: what is published now arrives.
            await send(peer, changed(True))
            await eventually(lambda: received == [True], timeout_s=10)
        assert interest.is_subscribed
        await interest.release("ui")
        assert not interest.is_held_by("ui")
        assert (interest.holders, interest.is_subscribed) == (0, False)
        await interest_becomes(peer.client, SUBJECT, wanted=False)


async def test_holders_arriving_and_leaving_at_once_leave_one_subscription_or_none(
    bus: Bus,
) -> None:
    subscribed: list[object] = []

    async def subscribe() -> object:
        subscription = await bus.subscribe(PortChanged, _ignore, port_id="3")
        subscribed.append(subscription)
        return subscription

    interest = Interest(subscribe)  # type: ignore[arg-type]
    holders = [f"client {n}" for n in range(5)]
    await asyncio.gather(*(interest.hold(holder) for holder in holders))
    assert len(subscribed) == 1
    await asyncio.gather(*(interest.release(holder) for holder in holders))
    assert not interest.is_subscribed
    assert not await has_interest(bus.client, SUBJECT)


async def test_holders_cancelled_midway_leave_the_change_made_and_the_connection_working(
    bus: Bus,
) -> None:
    interest = Interest(lambda: bus.subscribe(PortChanged, _ignore, port_id="3"))
    await _cancelled_midway(interest.hold("page"))
    await eventually(lambda: interest.is_subscribed, timeout_s=10)
    # The connection still reads what the server answers.
    await interest_becomes(bus.client, SUBJECT, wanted=True)
    await _cancelled_midway(interest.release("page"))
    await eventually(lambda: not interest.is_subscribed, timeout_s=10)
    await interest_becomes(bus.client, SUBJECT, wanted=False)


async def _cancelled_midway(change: Coroutine[Any, Any, None]) -> None:
    """Cancel ``change`` as a closed page's stream is: while it waits for the server's answer."""
    task = asyncio.create_task(change)
    await asyncio.sleep(0)  # under way, its flush waiting for the server's PONG
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_unsubscribing_after_the_bus_closed_is_quiet(nats_server: str) -> None:
    async with Bus.connect("web", servers=[nats_server]) as web:
        subscription = await web.subscribe(PortChanged, _ignore)
    await subscription.unsubscribe()


async def _ignore(_event: PortChanged) -> None:
    return None

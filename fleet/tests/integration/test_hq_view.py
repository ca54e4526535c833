"""The HQ view and revoking, against a 3-node HQ and 3 linked vehicles."""

import asyncio
import itertools
import time

import pytest
from nats.aio.msg import Msg
from nats.errors import NoRespondersError

from actkit_core.testing.eventually import eventually
from actkit_fleet import completeness, shards, view
from actkit_fleet.jetstream import FleetError
from actkit_fleet.sim.fleet import SimFleet, SimVehicle
from actkit_proto.io import Circuit, Direction, PortChanged, PulsePort

pytestmark = pytest.mark.timeout(120)


async def eventually_rows(fleet: SimFleet, want: dict[str, bool]) -> list[view.VehicleRow]:
    assert fleet.api is not None
    deadline = time.monotonic() + 20
    while True:
        rows = await view.vehicles(fleet.api, [sim.vehicle_id for sim in fleet.vehicles])
        if {row.vehicle_id: row.is_online for row in rows} == want or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.5)


async def paired(fleet: SimFleet) -> tuple[SimVehicle, SimVehicle, SimVehicle]:
    """The three vehicles as (a, b, c): a and c in one shard, b in the other.

    Each went to the shard with the fewest as it linked, so one shard has two, whichever.
    """
    assert fleet.api is not None
    shard = {
        sim.vehicle_id: await shards.shard_of(fleet.api, sim.vehicle_id) for sim in fleet.vehicles
    }
    for first, third in itertools.combinations(fleet.vehicles, 2):
        if shard[first.vehicle_id] == shard[third.vehicle_id]:
            (second,) = (sim for sim in fleet.vehicles if sim not in (first, third))
            assert shard[second.vehicle_id] != shard[first.vehicle_id]
            return first, second, third
    raise AssertionError(f"three vehicles in three shards: {shard}")


async def test_the_view_shows_who_is_online_their_state_and_last_events(fleet: SimFleet) -> None:
    one, two, three = await paired(fleet)
    event = PortChanged(
        port_id=3, direction=Direction.INPUT, is_active=True, circuit=Circuit.CLOSED, edge_ns=1
    )
    await one.publish(event.to_subject(), event.to_wire())
    two.proxy.cut()
    assert await fleet.wait_until_complete(timeout_s=30) >= 0
    rows = await eventually_rows(
        fleet, {one.vehicle_id: True, two.vehicle_id: False, three.vehicle_id: True}
    )
    assert {row.vehicle_id: row.is_online for row in rows} == {
        one.vehicle_id: True,
        two.vehicle_id: False,
        three.vehicle_id: True,
    }

    assert fleet.api is not None and fleet.client is not None
    deadline = time.monotonic() + 20
    while not (current := await view.state(fleet.api, one.vehicle_id)):
        assert time.monotonic() < deadline, "the state bucket never got the event"
        await asyncio.sleep(0.2)
    assert current == {"io.port.3.changed": event.model_dump(mode="json")}
    assert await view.last_events(fleet.client, one.vehicle_id) == [
        ("io.port.3.changed", event.model_dump(mode="json"))
    ]
    # Another vehicle in the same shard: none of the first one's events.
    assert await view.state(fleet.api, three.vehicle_id) == {}
    assert await view.last_events(fleet.client, three.vehicle_id) == []

    with pytest.raises(FleetError, match="not connected"):
        await view.send_live(fleet.client, two.vehicle_id, PulsePort(port_id=9, duration_ms=100))
    assert (
        await view.queue(fleet.client, two.vehicle_id, PulsePort(port_id=9, duration_ms=100)) == 1
    )


async def test_a_revoked_vehicle_is_cut_off(fleet: SimFleet) -> None:
    revoked, kept, sharing = await paired(fleet)
    assert fleet.api is not None and fleet.client is not None and revoked.client is not None

    async def relay(msg: Msg) -> None:
        await msg.respond(b"{}")

    await revoked.client.subscribe("io.port.9.pulse", cb=relay)
    await revoked.client.flush()
    subject = f"veh.{revoked.vehicle_id}.cmd.io.port.9.pulse"
    deadline = time.monotonic() + 20
    while True:  # its interest reaches HQ through the leaf
        try:
            await fleet.client.request(subject, b'{"duration_ms": 100}', timeout=1)
            break
        except (NoRespondersError, TimeoutError):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)

    assert await fleet.hq.revoke(fleet.api, revoked.vehicle_id) == 1

    async def unanswered() -> bool:
        assert fleet.client is not None
        try:
            await fleet.client.request(subject, b'{"duration_ms": 100}', timeout=1)
        except NoRespondersError:
            return True
        except TimeoutError:
            pass  # asked as its link closed: the node HQ forwarded it to had none left
        return False

    await eventually(unanswered, timeout_s=20, interval_s=0.2)
    rows = await view.vehicles(fleet.api, [kept.vehicle_id])
    assert revoked.vehicle_id not in {row.vehicle_id for row in rows}
    # Only its source left its shard: the vehicle sharing it is sourced still.
    placed = await shards.vehicle_sources(fleet.api)
    assert sorted(placed) == sorted([kept.vehicle_id, sharing.vehicle_id])
    log = revoked.vehicle.folder / "data" / "nats-server.log"
    # It keeps trying: HQ keeps refusing.
    await eventually(lambda: log.read_text().count("Authorization Violation") >= 2, timeout_s=30)


async def test_an_event_a_source_took_that_hq_does_not_hold_is_shown_missing(
    fleet: SimFleet,
) -> None:
    one, two, three = fleet.vehicles
    for is_active in (True, False, True):
        event = PortChanged(
            port_id=3,
            direction=Direction.INPUT,
            is_active=is_active,
            circuit=Circuit.CLOSED if is_active else Circuit.OPEN,
            edge_ns=1,
        )
        await one.publish(event.to_subject(), event.to_wire())
    await two.publish(event.to_subject(), event.to_wire())
    assert await fleet.wait_until_complete(timeout_s=30) >= 0
    assert fleet.api is not None
    rows = await view.vehicles(fleet.api, [sim.vehicle_id for sim in fleet.vehicles])
    assert {row.vehicle_id: row.missing for row in rows} == {
        one.vehicle_id: 0,
        two.vehicle_id: 0,
        three.vehicle_id: 0,
    }
    held = await completeness.fleet_held(fleet.api)
    assert held[one.vehicle_id] == completeness.Held(read_to=3, first=1, held=3)
    assert held[three.vehicle_id] == completeness.Held(read_to=0, first=1, held=0)

    # HQ loses its second event (its first stays: the shard has dropped nothing to its limits).
    shard = await shards.shard_of(fleet.api, one.vehicle_id)
    second = await fleet.api.call(
        f"STREAM.MSG.GET.{shard}", {"next_by_subj": f"veh.{one.vehicle_id}.>", "seq": 2}
    )
    await fleet.api.call(f"STREAM.MSG.DELETE.{shard}", {"seq": second["message"]["seq"]})
    rows = await view.vehicles(fleet.api, [sim.vehicle_id for sim in fleet.vehicles])
    assert {row.vehicle_id: row.missing for row in rows} == {
        one.vehicle_id: 1,
        two.vehicle_id: 0,
        three.vehicle_id: 0,
    }

    # Its first event gone too, the shard no longer starts at 1: counted from the first it holds.
    first = await fleet.api.call(f"STREAM.MSG.GET.{shard}", {"seq": 1})
    assert first["message"]["subject"].startswith(f"veh.{one.vehicle_id}.")
    await fleet.api.call(f"STREAM.MSG.DELETE.{shard}", {"seq": 1})
    held = await completeness.fleet_held(fleet.api)
    assert held[one.vehicle_id] == completeness.Held(read_to=3, first=3, held=1)

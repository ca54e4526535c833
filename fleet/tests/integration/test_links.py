"""Three vehicles linked to a 3-node HQ: a cut and a vehicle crash lose nothing, commands arrive."""

import asyncio
import json
from urllib.request import urlopen

import nats
import pytest
from nats.aio.msg import Msg

from actkit_core.testing.eventually import eventually
from actkit_fleet import shards
from actkit_fleet.sim.check import arrivals, by_vehicle
from actkit_fleet.sim.fleet import SimFleet
from actkit_proto.fleet import VEHICLE_COMMANDS, VEHICLE_EVENTS, uplink_consumer
from actkit_proto.io import Circuit, Direction, PortChanged, PulsePort

pytestmark = pytest.mark.timeout(180)


def port_changed(port_id: int, is_active: bool) -> tuple[str, bytes]:
    event = PortChanged(
        port_id=port_id,
        direction=Direction.INPUT,
        is_active=is_active,
        circuit=Circuit.CLOSED if is_active else Circuit.OPEN,
        edge_ns=0,
    )
    return event.to_subject(), event.to_wire()


async def publish_some(fleet: SimFleet, count: int) -> None:
    for n in range(count):
        for sim in fleet.vehicles:
            await sim.publish(*port_changed(1 + n % 4, n % 2 == 0))


async def test_a_cut_and_a_crash_lose_nothing_and_a_queued_command_arrives_after(
    fleet: SimFleet,
) -> None:
    await publish_some(fleet, 5)
    cut = fleet.vehicles[0]
    cut.proxy.cut()
    await publish_some(fleet, 5)
    pulse = PulsePort(port_id=9, duration_ms=500)
    assert fleet.client is not None
    await fleet.client.jetstream().publish(
        f"veh.{cut.vehicle_id}.cmdq.{pulse.to_subject()}", pulse.to_wire()
    )
    cut.vehicle.kill()
    await cut.vehicle.start()
    await publish_some(fleet, 5)
    cut.proxy.restore()

    assert await fleet.wait_until_complete(timeout_s=60) >= 0
    results = by_vehicle(
        arrivals(await fleet.hq_messages()), {sim.vehicle_id: sim.stored for sim in fleet.vehicles}
    )
    assert {vid: (r.lost, r.duplicated, r.is_in_order) for vid, r in results.items()} == {
        sim.vehicle_id: (0, 0, True) for sim in fleet.vehicles
    }
    assert all(len(result.seqs) == 15 for result in results.values())

    assert cut.client is not None
    js = cut.client.jetstream()
    queued = await js.subscribe("cmdq.>", stream=VEHICLE_COMMANDS, ordered_consumer=True)
    command = await queued.next_msg(timeout=30)
    assert command.subject == f"cmdq.{pulse.to_subject()}"
    assert PulsePort.from_wire(pulse.to_subject(), command.data) == pulse


async def test_hq_pulses_a_vehicles_relay_live(fleet: SimFleet) -> None:
    target = fleet.vehicles[1]
    assert target.client is not None and fleet.client is not None
    asked: list[Msg] = []

    async def relay(msg: Msg) -> None:
        asked.append(msg)
        await msg.respond(b'{"ok": true}')

    await target.client.subscribe("io.port.9.pulse", cb=relay)
    await target.client.flush()
    pulse = PulsePort(port_id=9, duration_ms=200)
    subject = f"veh.{target.vehicle_id}.cmd.{pulse.to_subject()}"
    hq = fleet.client
    # The vehicle's interest reaches HQ through the leaf.
    reply = await eventually(
        lambda: hq.request(subject, pulse.to_wire(), timeout=1),
        timeout_s=30,
        interval_s=0.1,
        ignoring=(nats.errors.NoRespondersError, nats.errors.TimeoutError),
    )
    assert json.loads(reply.data) == {"ok": True}
    assert [msg.subject for msg in asked] == ["io.port.9.pulse"]


async def test_a_vehicle_cannot_use_another_vehicles_subjects(fleet: SimFleet) -> None:
    own, other = fleet.vehicles[0], fleet.vehicles[1]
    seed = (fleet.hq.folder / "credentials" / f"{own.vehicle_id}.nk").read_text().strip()
    errors: list[Exception] = []

    async def record(error: Exception) -> None:
        errors.append(error)

    as_vehicle = await nats.connect(
        servers=fleet.hq.client_urls, nkeys_seed_str=seed, error_cb=record
    )
    try:
        await as_vehicle.publish(f"dlv.{other.vehicle_id}.up", b"forged")
        await as_vehicle.subscribe(f"veh.{other.vehicle_id}.>")
        await as_vehicle.flush()
        await eventually(lambda: len(errors) >= 2)
    finally:
        await as_vehicle.close()
    assert sorted(str(error) for error in errors) == [
        f'nats: permissions violation for publish to "dlv.{other.vehicle_id}.up"',
        f'nats: permissions violation for subscription to "veh.{other.vehicle_id}.>"',
    ]

    # Through its own leaf, as the vehicle's clients would: nothing reaches HQ either.
    assert own.client is not None and fleet.api is not None
    await own.client.publish(f"dlv.{other.vehicle_id}.up", b"forged")
    await own.client.publish(f"veh.{other.vehicle_id}.io.port.1.changed", b"forged")
    await own.client.flush()
    await asyncio.sleep(1)
    assert len(await shards.vehicle_sources(fleet.api)) == len(fleet.vehicles)
    assert await fleet.hq_count() == 0


async def test_the_light_vehicles_links_are_uncompressed_at_both_ends(fleet: SimFleet) -> None:
    # On loopback s2_auto compresses nothing, yet costs a vehicle held to 12 MiB most of its CPU.
    def compressions() -> list[str] | None:
        leafs = [
            leaf
            for node in fleet.hq.nodes
            for leaf in json.loads(urlopen(f"http://127.0.0.1:{node.http_port}/leafz").read())[
                "leafs"
            ]
            or []
        ]
        return (
            [leaf["compression"] for leaf in leafs] if len(leafs) == len(fleet.vehicles) else None
        )

    assert await eventually(compressions, timeout_s=30) == ["off"] * len(fleet.vehicles)


async def test_each_vehicle_listens_for_the_flow_control_of_its_own_events_only(
    fleet: SimFleet,
) -> None:
    # Under one consumer name on every vehicle, each flow-control answer HQ sent one vehicle
    # went to the whole fleet: the messages grew as the square of the vehicles.
    def flow_control_interest() -> list[list[str]] | None:
        leafs = [
            leaf
            for node in fleet.hq.nodes
            for leaf in json.loads(
                urlopen(f"http://127.0.0.1:{node.http_port}/leafz?subs=1").read()
            )["leafs"]
            or []
        ]
        interest = [
            sorted(s for s in leaf.get("subscriptions_list") or [] if s.startswith("$JS.FC."))
            for leaf in leafs
        ]
        return interest if len(leafs) == len(fleet.vehicles) and all(interest) else None

    interest = await eventually(flow_control_interest, timeout_s=30)
    assert interest is not None
    subjects = [subject for of_one_leaf in interest for subject in of_one_leaf]
    assert len(set(subjects)) == len(subjects) == len(fleet.vehicles)  # one each, none shared
    assert set(subjects) == {
        f"$JS.FC.{VEHICLE_EVENTS}.{uplink_consumer(sim.vehicle_id)}.*" for sim in fleet.vehicles
    }

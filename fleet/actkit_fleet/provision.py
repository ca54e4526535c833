"""Provisioning at HQ: the command queue, registering and revoking vehicles.

A vehicle's register entry and users-file line come first (so it may connect once HQ's nodes
have reloaded), then its consumer of the command queue. Its source in one of HQ's events shards
(``EV_<n>``, :mod:`actkit_fleet.shards`) is added when it first links (``actkit-fleet resume``,
:mod:`actkit_fleet.firstlink`). Revoking undoes all three: its link is closed, its source and the
queue's consumer are removed; the events HQ received stay in the shard until they age out (an
incident's record outlives the vehicle's credentials).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from nats.aio.client import Client

from actkit_fleet import registry, shards
from actkit_fleet.jetstream import JetStreamApi, JsonObject, downlink, hq_commands
from actkit_fleet.nkey import new_user_nkey
from actkit_proto.fleet import HQ_COMMANDS, check_vehicle_id, downlink_consumer

log = logging.getLogger(__name__)
AT_ONCE = 8
"""Vehicles whose command-queue consumers are made at the same time by one ``register``."""


async def setup(api: JetStreamApi, replicas: int, shard_count: int = shards.DEFAULT_SHARDS) -> None:
    """Create (or update) HQ's command queue, its events shards and their locks.

    Vehicles come with register.

    Raises:
        FleetError: a shard count out of range or below the shards HQ has (nothing changed).
    """
    await shards.ensure(api, shard_count, replicas)  # checks the count before any change
    await api.ensure_stream(hq_commands(replicas))


def reload_nodes(pids: Sequence[int]) -> None:
    """Have the HQ nodes running here read their users again (SIGHUP)."""
    for pid in pids:
        os.kill(pid, signal.SIGHUP)


def write_seed(credentials_dir: Path, vehicle_id: str, seed: str) -> Path:
    """Write a vehicle's seed for its installer, readable by the owner only."""
    credentials_dir.mkdir(parents=True, exist_ok=True)
    path = credentials_dir / f"{vehicle_id}.nk"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(seed + "\n")
    return path


async def register(
    api: JetStreamApi,
    conf_dir: Path,
    vehicle_ids: Sequence[str],
    credentials_dir: Path,
    reload_pids: Sequence[int] = (),
) -> dict[str, Path]:
    """Register vehicles: keys, users file, command-queue consumer (the source comes at the link).

    Returns:
        Each vehicle's seed file, to be given to it (HQ keeps only the public key).

    Raises:
        RegistryError: a vehicle is registered already, or the register is unreadable.
        InvalidVehicleId: an id cannot name a vehicle.
        FleetError: HQ's JetStream refused a change.
    """
    for vehicle_id in vehicle_ids:
        check_vehicle_id(vehicle_id)
    keys = {vehicle_id: new_user_nkey() for vehicle_id in vehicle_ids}
    vehicles = registry.added(
        registry.load(conf_dir), {vid: key.public_key for vid, key in keys.items()}
    )
    queue = await api.stream(HQ_COMMANDS)
    if queue is None:
        raise registry.RegistryError(f"there is no stream {HQ_COMMANDS}: run `actkit-fleet setup`")
    if not await shards.shard_infos(api):
        raise registry.RegistryError("HQ has no events streams: run `actkit-fleet setup`")
    seeds = {vid: write_seed(credentials_dir, vid, key.seed) for vid, key in keys.items()}
    registry.save(conf_dir, vehicles)
    reload_nodes(reload_pids)
    gate = asyncio.Semaphore(AT_ONCE)

    async def provide(vehicle_id: str) -> None:
        async with gate:
            await api.ensure_consumer(HQ_COMMANDS, downlink(vehicle_id))

    await asyncio.gather(*(provide(vehicle_id) for vehicle_id in vehicle_ids))
    return seeds


PING_WAIT_S = 1.0
"""How long every HQ node has to answer a system ping (its leaf connections, its load time)."""
RELOAD_WAIT_S = 15.0
"""How long revoke waits for the nodes it signalled to have read their users again."""


async def ping_nodes(system: Client, what: str, expected: int = 0) -> list[JsonObject]:
    """Every HQ node's answer to ``$SYS.REQ.SERVER.PING.<what>`` (system account): its data.

    Ends once :data:`PING_WAIT_S` passes without an answer, or when ``expected`` have come.
    """
    inbox = system.new_inbox()
    answers = await system.subscribe(inbox)
    await system.publish(f"$SYS.REQ.SERVER.PING.{what}", b"{}", reply=inbox)
    found: list[JsonObject] = []
    try:
        while len(found) < expected or not expected:
            try:
                msg = await answers.next_msg(timeout=PING_WAIT_S)
            except TimeoutError:
                break
            found.append(json.loads(msg.data).get("data") or {})
    finally:
        await answers.unsubscribe()
    return found


async def disconnect(system: Client, vehicle_id: str) -> int:
    """Close the vehicle's leaf connections on every HQ node (system account); how many.

    A reload without its user does not close a connection already made: it must be kicked.
    """
    kicked = 0
    for server in await ping_nodes(system, "LEAFZ"):
        for leaf in server.get("leafs") or []:
            if leaf.get("name") == vehicle_id:
                kick = json.dumps({"cid": leaf["id"]}).encode()
                await system.request(f"$SYS.REQ.SERVER.{server['server_id']}.KICK", kick, 2.0)
                kicked += 1
    return kicked


async def loaded_at(system: Client, expected: int = 0) -> dict[str, str]:
    """When each HQ node last read its configuration (``config_load_time``), by server id."""
    return {
        varz["server_id"]: varz["config_load_time"]
        for varz in await ping_nodes(system, "VARZ", expected)
    }


async def until_reloaded(system: Client, before: dict[str, str], count: int) -> bool:
    """Wait until ``count`` nodes have read their configuration again since ``before``.

    nats-server takes a SIGHUP on its own time: a vehicle kicked before its node has dropped
    its user reconnects at once.

    Returns:
        Whether they have, within :data:`RELOAD_WAIT_S` (past it, a warning in the log).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RELOAD_WAIT_S
    while count:
        now = await loaded_at(system, len(before))
        if sum(at != before.get(node, at) for node, at in now.items()) >= count:
            break
        if loop.time() > deadline:
            log.warning("%d HQ node(s) not reloaded in %g s", count, RELOAD_WAIT_S)
            return False
        await asyncio.sleep(0.1)
    return True


async def revoke(
    api: JetStreamApi,
    conf_dir: Path,
    vehicle_id: str,
    reload_pids: Sequence[int] = (),
    system: Client | None = None,
) -> int:
    """Cut a vehicle off: out of the users, its link closed, its source and queue consumer gone.

    What HQ received from it stays in its events shard until it ages out.

    Args:
        api: HQ's JetStream.
        conf_dir: where the register and users file are.
        vehicle_id: the vehicle.
        reload_pids: HQ nodes running here, reloaded at once.
        system: a connection of HQ's system account: the vehicle's open links are closed.

    Returns:
        How many open links of the vehicle were closed.

    Raises:
        RegistryError: it is not registered.
    """
    vehicles = registry.removed(registry.load(conf_dir), vehicle_id)
    # Its shard first: HQ not answering for one changes nothing yet.
    where = (await shards.vehicle_sources(api)).get(vehicle_id)
    registry.save(conf_dir, vehicles)
    kicked = 0
    before = await loaded_at(system) if system is not None and reload_pids else {}
    reload_nodes(reload_pids)
    if system is not None:
        # Every node must have reloaded before the kick, else the vehicle reconnects at once.
        await until_reloaded(system, before, len(reload_pids))
        kicked = await disconnect(system, vehicle_id)
    if where is not None:
        await shards.change_sources(api, where.shard, "revoke", removing=[vehicle_id])
    await api.delete_consumer(HQ_COMMANDS, downlink_consumer(vehicle_id))
    return kicked

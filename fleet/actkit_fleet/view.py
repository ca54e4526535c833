"""The HQ view: which vehicles are online, their current state, their last events, commands.

Everything about a vehicle comes from its events shard at HQ (``EV_<n>``): online and last
seen from its source there (which hears a heartbeat every second while the link is up), events
its source took that HQ does not hold (:mod:`~actkit_fleet.completeness`), the
state from the last message of each stateful subject under ``veh.<id>.``, the last events.
Commands are checked against the contract before anything is sent.
"""

from __future__ import annotations

import base64
import json
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig, DeliverPolicy

from actkit_fleet import completeness, shards
from actkit_fleet.jetstream import FleetError, JetStreamApi
from actkit_proto.base import Command
from actkit_proto.catalog import messages
from actkit_proto.errors import Invalid
from actkit_proto.fleet import (
    HQ_COMMANDS,
    command_subjects,
    live_command_prefix,
    queued_command_prefix,
    stateful_event_subjects,
    vehicle_prefix,
)

ONLINE_WITHIN_S = 5.0
"""A vehicle heard from within this long is online (its source's heartbeat comes every second)."""
UNSOURCED = "no source at HQ yet: `actkit-fleet resume` adds it at the vehicle's first link"


@dataclass(frozen=True)
class VehicleRow:
    """One line of the vehicles table."""

    vehicle_id: str
    is_online: bool
    last_seen_s: float | None
    """Seconds since HQ last heard from it; None: never."""
    lag: int
    """Events it has that HQ has not yet taken."""
    error: str
    missing: int = 0
    """Events its source took that HQ does not hold (:mod:`actkit_fleet.completeness`)."""


async def vehicles(api: JetStreamApi, registered: list[str]) -> list[VehicleRow]:
    """Every registered or sourced vehicle, online or not (a revoked one's stream has no source)."""
    infos = await shards.shard_infos(api)
    sources = {
        vehicle_id: where.state for vehicle_id, where in shards.placed(infos.values()).items()
    }
    held = await completeness.fleet_held(api, infos.keys())
    rows = []
    for vehicle_id in sorted({*registered, *sources}):
        source = sources.get(vehicle_id) or {}
        active_ns = int(source.get("active", -1))
        seen = active_ns / 1e9 if active_ns >= 0 else None
        rows.append(
            VehicleRow(
                vehicle_id=vehicle_id,
                is_online=seen is not None and seen < ONLINE_WITHIN_S,
                last_seen_s=seen,
                lag=int(source.get("lag", 0)),
                error=str((source.get("error") or {}).get("description", ""))
                if vehicle_id in sources
                else UNSOURCED,
                missing=held[vehicle_id].missing if vehicle_id in held else 0,
            )
        )
    return rows


async def state(api: JetStreamApi, vehicle_id: str) -> dict[str, Any]:
    """The vehicle's current state: the last value of each stateful event, by subject.

    Raises:
        FleetError: no shard sources the vehicle, or HQ did not answer.
    """
    stream = await shards.shard_of(api, vehicle_id)
    prefix = vehicle_prefix(vehicle_id) + "."
    info = await api.call(f"STREAM.INFO.{stream}", {"subjects_filter": prefix + ">"})
    stateful = stateful_event_subjects()
    current: dict[str, Any] = {}
    for subject in sorted(info.get("state", {}).get("subjects") or {}):
        if not any(_matches(pattern, subject.removeprefix(prefix)) for pattern in stateful):
            continue
        answer = await api.call(f"STREAM.MSG.GET.{stream}", {"last_by_subj": subject})
        data = base64.b64decode(answer["message"].get("data", ""))
        current[subject.removeprefix(prefix)] = json.loads(data) if data else None
    return current


async def last_events(
    client: Client, vehicle_id: str, count: int = 10, since_s: float = 3600.0
) -> list[tuple[str, Any]]:
    """The vehicle's last ``count`` events of the last ``since_s`` seconds: (subject, payload).

    Raises:
        FleetError: no shard sources the vehicle, or HQ did not answer.
    """
    stream = await shards.shard_of(JetStreamApi(client), vehicle_id)
    prefix = vehicle_prefix(vehicle_id) + "."
    start = datetime.now(UTC) - timedelta(seconds=since_s)
    config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=start)
    subscription = await client.jetstream().subscribe(
        prefix + ">", stream=stream, ordered_consumer=True, config=config
    )
    kept: deque[tuple[str, Any]] = deque(maxlen=count)
    try:
        while True:
            try:
                msg = await subscription.next_msg(timeout=1.0)
            except (NatsTimeout, TimeoutError):
                break
            kept.append((msg.subject.removeprefix(prefix), json.loads(msg.data)))
            if msg.metadata.num_pending == 0:
                break
    finally:
        await subscription.unsubscribe()
    return list(kept)


def _matches(pattern: str, subject: str) -> bool:
    """Whether ``subject`` matches ``pattern`` (``*`` wildcards, as the contract's subjects)."""
    wanted, tokens = pattern.split("."), subject.split(".")
    if wanted[-1] == ">":
        return len(tokens) >= len(wanted) and _matches(
            ".".join(wanted[:-1]), ".".join(tokens[: len(wanted) - 1])
        )
    return len(wanted) == len(tokens) and all(
        want in ("*", token) for want, token in zip(wanted, tokens, strict=True)
    )


def checked_command(subject: str, payload: str) -> Command[Any]:
    """The command HQ may send on ``subject`` with ``payload`` (JSON), validated.

    Raises:
        Invalid: not a command HQ may send, or the payload is not what it takes.
    """
    lent = set(command_subjects())
    for message in messages():
        pattern = message.subject_pattern()
        if issubclass(message, Command) and pattern in lent and _matches(pattern, subject):
            return message.from_wire(subject, payload.encode())
    raise Invalid(
        f"{subject!r} is not a command HQ may send a vehicle (those lent to integrators, "
        "e.g. io.port.9.pulse)"
    )


async def send_live(
    client: Client, vehicle_id: str, command: Command[Any], timeout_s: float = 5.0
) -> Any:
    """Send a command to a vehicle now; its owner's reply.

    Raises:
        FleetError: the vehicle is not connected or did not answer in time.
    """
    subject = f"{live_command_prefix(vehicle_id)}.{command.to_subject()}"
    try:
        reply = await client.request(subject, command.to_wire(), timeout_s)
    except NoRespondersError:
        raise FleetError(
            f"vehicle {vehicle_id} is not connected (or nothing serves that command): "
            "queue it with --queue"
        ) from None
    except NatsTimeout:
        raise FleetError(f"vehicle {vehicle_id} did not answer within {timeout_s:g} s") from None
    error = (reply.headers or {}).get("Nats-Service-Error")
    if error:
        raise FleetError(f"vehicle {vehicle_id} refused: {error}")
    return json.loads(reply.data) if reply.data else None


async def queue(client: Client, vehicle_id: str, command: Command[Any]) -> int:
    """Queue a command for a vehicle (delivered when it is linked); its sequence in the queue."""
    subject = f"{queued_command_prefix(vehicle_id)}.{command.to_subject()}"
    ack = await client.jetstream().publish(subject, command.to_wire(), stream=HQ_COMMANDS)
    return int(ack.seq)


def age(seconds: float | None) -> str:
    """A duration as a person reads it in a table."""
    if seconds is None:
        return "never"
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(time.time() - seconds))

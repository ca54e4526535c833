"""The fleet: every vehicle's nats-server a leaf node of the HQ cluster; the names both ends use.

A vehicle keeps its own JetStream domain (its id, the device's serial) and its events in the
stream :data:`VEHICLE_EVENTS`; HQ sources that stream into one of a few streams each holding a
share of the fleet (:func:`hq_events`, ``EV_00``, ``EV_01`` …) under the prefix ``veh.<id>.``:
the last message on each stateful event's subject there is the vehicle's current state.
Commands go down live (request/reply on ``veh.<id>.cmd.<subject>``, which the vehicle maps to
``<subject>``) or queued (stream :data:`HQ_COMMANDS` on ``veh.<id>.cmdq.<subject>``, which the
vehicle sources into :data:`VEHICLE_COMMANDS` as ``cmdq.<subject>``). Only the commands the
contract lends to integrators are mapped: HQ may do what an integrator may.
"""

from __future__ import annotations

import re

from actkit_proto.base import Command, Event, Message
from actkit_proto.catalog import messages

HQ_DOMAIN = "hq"
HQ_ACCOUNT = "FLEET"
HQ_EVENTS_PREFIX = "EV_"
"""HQ's streams of the vehicles' events, each sourcing a share of the fleet: ``EV_<shard>``."""
HQ_COMMANDS = "CMDQ"
VEHICLE_EVENTS = "EVENTS"
VEHICLE_COMMANDS = "CMD_IN"
AGENT_CONSUMER = "agent"
"""The durable consumer of the vehicle's queued commands that its agent runs them from."""

_VEHICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_RESERVED = {HQ_DOMAIN}


class InvalidVehicleId(ValueError):
    """A vehicle id that cannot be a JetStream domain, a subject token and a consumer name."""


def check_vehicle_id(vehicle_id: str) -> str:
    """``vehicle_id`` if it can name a vehicle: 1 to 32 letters, digits, ``_`` or ``-``, not ``hq``.

    Raises:
        InvalidVehicleId: with a sentence saying what a vehicle id may be.

    >>> check_vehicle_id("ACCC8E123456")
    'ACCC8E123456'
    """
    if not _VEHICLE_ID.match(vehicle_id) or vehicle_id in _RESERVED:
        raise InvalidVehicleId(
            f"vehicle id {vehicle_id!r} is not usable: 1 to 32 letters, digits, '_' or '-', "
            f"starting with a letter or digit, and not {HQ_DOMAIN!r} (it is the vehicle's "
            "JetStream domain and a subject token)"
        )
    return vehicle_id


VEHICLES_PREFIX = "veh"
"""The first token of every vehicle's subjects at HQ."""


def vehicle_prefix(vehicle_id: str) -> str:
    """What HQ puts before a vehicle's subjects: ``veh.<id>``."""
    return f"{VEHICLES_PREFIX}.{check_vehicle_id(vehicle_id)}"


def hq_events(shard: int) -> str:
    """HQ's stream of the events of one share of the fleet (``EV_<shard>``, from 00).

    >>> hq_events(3)
    'EV_03'
    >>> hq_events(100)
    Traceback (most recent call last):
    ValueError: an events shard is numbered 0 to 99, not 100
    """
    if not 0 <= shard < 100:
        raise ValueError(f"an events shard is numbered 0 to 99, not {shard}")
    return f"{HQ_EVENTS_PREFIX}{shard:02d}"


def events_shard(stream: str) -> int | None:
    """The shard number of HQ's events stream ``stream``; None for another stream.

    >>> events_shard("EV_03"), events_shard("CMDQ"), events_shard("EV_ACCC8E123456")
    (3, None, None)
    """
    number = stream.removeprefix(HQ_EVENTS_PREFIX)
    if stream.startswith(HQ_EVENTS_PREFIX) and len(number) == 2 and number.isdigit():
        return int(number)
    return None


def live_command_prefix(vehicle_id: str) -> str:
    """Where HQ sends a vehicle a command now: ``veh.<id>.cmd`` + ``.<command subject>``."""
    return f"{vehicle_prefix(vehicle_id)}.cmd"


def queued_command_prefix(vehicle_id: str) -> str:
    """Where HQ queues a command for a vehicle: ``veh.<id>.cmdq`` + ``.<command subject>``."""
    return f"{vehicle_prefix(vehicle_id)}.cmdq"


QUEUED_ON_VEHICLE = "cmdq"
"""A queued command's prefix once in the vehicle's :data:`VEHICLE_COMMANDS` stream."""


def uplink_deliver(vehicle_id: str) -> str:
    """The deliver subject of the vehicle's events to HQ (only that vehicle may publish it)."""
    return f"dlv.{check_vehicle_id(vehicle_id)}.up"


def uplink_consumer(vehicle_id: str) -> str:
    """The durable consumer of the vehicle's events that HQ's source names: ``up_<id>``.

    Named by its vehicle because nats-server answers a consumer's flow control on
    ``$JS.FC.<stream>.<consumer>.<token>``: under one name on every vehicle, each answer HQ sent
    one vehicle reached every vehicle listening on that subject, the whole fleet.

    >>> uplink_consumer("ACCC8E123456")
    'up_ACCC8E123456'
    """
    return f"up_{check_vehicle_id(vehicle_id)}"


def downlink_deliver(vehicle_id: str) -> str:
    """The deliver subject of the vehicle's queued commands (only that vehicle receives it)."""
    return f"dlv.{check_vehicle_id(vehicle_id)}.down"


def downlink_consumer(vehicle_id: str) -> str:
    """The durable consumer of HQ's command queue that the vehicle's source names."""
    return f"cmd_{check_vehicle_id(vehicle_id)}"


def js_api(domain: str) -> str:
    """The JetStream API prefix of a domain, as seen from the other end of the leaf."""
    return f"$JS.{domain}.API"


def api_domain(api: str) -> str | None:
    """The domain whose JetStream API prefix is ``api`` (:func:`js_api`); None for another.

    >>> api_domain("$JS.ACCC8E123456.API"), api_domain("$JS.API")
    ('ACCC8E123456', None)
    """
    parts = api.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "$JS" and parts[2] == "API" else None


def _covers(pattern: str, subject: str) -> bool:
    """Whether every subject matching ``subject`` (a pattern too) matches ``pattern``."""
    wanted, given = pattern.split("."), subject.split(".")
    if wanted[-1] == ">":
        if len(given) < len(wanted):  # ">" stands for one token or more
            return False
        wanted, given = wanted[:-1], given[: len(wanted) - 1]
    elif len(wanted) != len(given):
        return False
    return all(token == "*" or token == other for token, other in zip(wanted, given, strict=True))


def _without_covered(patterns: set[str]) -> list[str]:
    return sorted(
        pattern
        for pattern in patterns
        if not any(other != pattern and _covers(other, pattern) for other in patterns)
    )


def _lent(kind: type[Message]) -> list[type[Message]]:
    return [
        message
        for message in messages()
        if issubclass(message, kind) and message.is_lent_to_integrators()
    ]


def event_subjects() -> list[str]:
    """The subjects of the vehicle's :data:`VEHICLE_EVENTS` stream: every event HQ may see."""
    return _without_covered({message.subject_pattern() for message in _lent(Event)})


def stateful_event_subjects() -> list[str]:
    """The events whose last value is a vehicle's state (the last of each subject at HQ)."""
    stateful = {
        message.subject_pattern()
        for message in _lent(Event)
        if issubclass(message, Event) and message.stateful
    }
    return _without_covered(stateful)


def command_subjects() -> list[str]:
    """The commands HQ may send a vehicle: those the contract lends to integrators."""
    return _without_covered({message.subject_pattern() for message in _lent(Command)})


def numbered_wildcards(pattern: str, first: int = 1) -> str:
    """``pattern`` as a mapping destination: its ``n``-th ``*`` becomes ``{{wildcard(n)}}``.

    Args:
        pattern: a subject pattern with ``*`` wildcards.
        first: the number of its first ``*`` in the mapping's source.

    >>> numbered_wildcards("io.port.*.pulse")
    'io.port.{{wildcard(1)}}.pulse'
    """
    tokens = pattern.split(".")
    count = first - 1
    for index, token in enumerate(tokens):
        if token == "*":
            count += 1
            tokens[index] = f"{{{{wildcard({count})}}}}"
    return ".".join(tokens)

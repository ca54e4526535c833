"""What every handler of the events service gets: stores, engine, log, bus, notifier and clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from actkit_core.bus import Publisher
from actkit_core.clock import Clock, SystemClock
from actkit_events.domain.checks import Board
from actkit_events.domain.log import EventLogRing
from actkit_events.domain.rules import Engine
from actkit_events.ports import Notifier
from actkit_events.store import SpecStore
from actkit_proto.ble import BeaconReflex
from actkit_proto.events import RecipientSpec, RuleSpec, ScheduleSpec
from actkit_proto.io import Reflex


@dataclass
class Timetable:
    """The schedules in memory, when each pulse ticks next, and a bell to re-plan."""

    specs: dict[int, ScheduleSpec] = field(default_factory=dict)
    next_ticks: dict[int, datetime] = field(default_factory=dict)
    origin: datetime = field(default_factory=SystemClock().now)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    time_zone: str = "UTC"
    """The device's time zone, as the system service tells it: schedules without their own."""


@dataclass
class DeviceFacts:
    """What the rules are checked against between saves, as the owners told it."""

    board: Board | None = None
    """io's board: its port list when last asked, with each port configured since; None until
    io has answered."""


@dataclass(frozen=True)
class Deps:
    bus: Publisher
    rules: SpecStore[RuleSpec]
    recipients: SpecStore[RecipientSpec]
    schedules: SpecStore[ScheduleSpec]
    engine: Engine
    log: EventLogRing
    timetable: Timetable
    notifier: Notifier
    """Delivers notifications to the recipients' servers."""
    clock: Clock = field(default_factory=SystemClock)
    io_started_at: list[datetime | None] = field(default_factory=lambda: [None])
    """When the io service we hold outputs at started; a new start means our holds are gone."""
    facts: DeviceFacts = field(default_factory=DeviceFacts)
    beacons_told: set[int] = field(default_factory=set)
    """The System IDs last told to ble as the ones rules wait for."""
    reflexes: dict[int, Reflex] = field(default_factory=dict)
    """The rules io carries out itself, as io last acknowledged them, by rule id."""
    beacon_reflexes: dict[int, BeaconReflex] = field(default_factory=dict)
    """The rules ble carries out itself, as ble last acknowledged them, by rule id."""
    reflexes_due: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when io or ble did not hear its reflexes: they are told again a while later."""
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    """Notifications being delivered (kept so they are not garbage-collected mid-flight)."""

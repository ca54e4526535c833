"""Messages of the ble service: the beacon that starts body-worn cameras, sent and received."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, field_validator

from actkit_proto.base import Ack, Command, Event, Reply, Role, RowId
from actkit_proto.beacon import AXIS_COMPANY_ID
from actkit_proto.io import MAX_REFLEXES, PortId

SystemId = Annotated[
    int, Field(ge=0, le=0xFFFFFFFF, description="The body worn system's id (uint32).")
]
MessageType = Annotated[
    int, Field(ge=0, le=255, description="1 = lightbar active; 0 idle, 2 lightbar inactive.")
]
BroadcasterId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="Who asks for the broadcast, e.g. ``rule:7``.",
    ),
]


class StartBroadcast(Command[Ack]):
    """Broadcast the beacon for a System ID with a message type, until stopped.

    Several broadcasters may ask for the same System ID; the newest message type is sent and
    the broadcast stops when the last broadcaster stops it.
    """

    subject: ClassVar[str] = "ble.broadcast.{system_id}.start"
    required_role: ClassVar[Role] = Role.OPERATOR

    system_id: SystemId
    message_type: MessageType = 1
    broadcaster: BroadcasterId
    duration_ms: int | None = Field(
        default=None, gt=0, le=3_600_000, description="Stop by itself after this long (once)."
    )


class StopBroadcast(Command[Ack]):
    """A broadcaster no longer asks for the beacon of a System ID."""

    subject: ClassVar[str] = "ble.broadcast.{system_id}.stop"
    required_role: ClassVar[Role] = Role.OPERATOR

    system_id: SystemId
    broadcaster: BroadcasterId


class BeaconReceived(Event):
    """A beacon of a watched System ID was received."""

    subject: ClassVar[str] = "ble.beacon.{system_id}.received"

    system_id: SystemId
    message_type: MessageType
    sequence: int = Field(ge=0, le=255)
    rssi_dbm: int | None = None


class BeaconPresenceChanged(Event):
    """A watched System ID's beacon started being received, or timed out."""

    subject: ClassVar[str] = "ble.beacon.{system_id}.presence_changed"
    stateful: ClassVar[bool] = True

    system_id: SystemId
    is_present: bool
    message_type: MessageType | None = None


class Broadcast(Reply):
    """One System ID's beacon as this device sends it."""

    system_id: SystemId
    message_type: MessageType
    sequence: int = Field(ge=0, le=255)
    broadcasters: list[str]
    """Who asks for it, oldest first; the newest one's message type is sent."""


class BroadcastList(Reply):
    """Every beacon this device sends, by System ID."""

    broadcasts: list[Broadcast]


class ListBroadcasts(Command[BroadcastList]):
    """Read every beacon this device sends."""

    subject: ClassVar[str] = "ble.broadcasts.list"
    required_role: ClassVar[Role] = Role.VIEWER


class ReceivedBeacon(Reply):
    """A watched System ID whose beacon is being received now."""

    system_id: SystemId
    message_type: MessageType
    sequence: int = Field(ge=0, le=255)
    rssi_dbm: int | None = None
    """The strength of the last reception; ``None`` when the controller did not measure it."""
    seen_s_ago: float = Field(ge=0)
    """How long ago it was last received."""


class ReceivedBeaconList(Reply):
    """The beacons being received now, and every System ID watched."""

    beacons: list[ReceivedBeacon]
    """Present ones only, by System ID; a watched beacon not received for the presence
    timeout is gone from here."""
    watched_system_ids: list[SystemId]
    """The settings' System IDs and the ones rules wait for, sorted."""


class ListReceivedBeacons(Command[ReceivedBeaconList]):
    """Read the beacons being received now."""

    subject: ClassVar[str] = "ble.beacons.list"
    required_role: ClassVar[Role] = Role.VIEWER


class BeaconReflex(Reply):
    """A rule ble carries out itself as io tells an input's change, with no events hop between.

    The rule "while input ``input_port_id`` is active (or, ``is_inverted``, inactive), broadcast
    the beacon of ``system_id`` with ``message_type``": ble broadcasts as broadcaster
    ``rule:<rule_id>``, exactly as the events service's ``StartBroadcast`` would, and stops the
    request when the condition ends.
    """

    rule_id: RowId
    input_port_id: PortId
    is_inverted: bool = False
    system_id: SystemId
    message_type: MessageType = 1


class BeaconReflexes(Reply):
    """The rules ble carries out on the inputs' changes, by rule id."""

    reflexes: list[BeaconReflex] = Field(default_factory=list, max_length=MAX_REFLEXES)


class SetBeaconReflexes(Command[BeaconReflexes]):
    """Replace the rules ble carries out itself; only the events service, which owns them, sends it.

    ble keeps them across its restarts, broadcasts at once what they want as the inputs are now,
    and stops the requests of the rules no longer in the list.
    """

    subject: ClassVar[str] = "ble.reflexes.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR
    internal_for: ClassVar[tuple[str, ...]] = ("events",)

    reflexes: list[BeaconReflex] = Field(max_length=MAX_REFLEXES)


class BeaconReflexesChanged(Event):
    """The beacon reflexes ble follows now: told at its start and after each ``SetBeaconReflexes``.

    The events service compares them with what it told, so a ble that lost them (a new
    database) or whose answer went astray is told again.
    """

    subject: ClassVar[str] = "ble.reflexes.changed"

    reflexes: list[BeaconReflex] = Field(default_factory=list, max_length=MAX_REFLEXES)


class BroadcastChanged(Event):
    """A System ID's beacon started, changed its message type, or stopped."""

    subject: ClassVar[str] = "ble.broadcast.{system_id}.changed"
    stateful: ClassVar[bool] = True

    system_id: SystemId
    is_active: bool
    message_type: MessageType | None = None
    sequence: int | None = Field(default=None, ge=0, le=255)


CompanyId = Annotated[
    int,
    Field(
        ge=0,
        le=0xFFFF,
        description="Bluetooth SIG company identifier of the beacon (0x0D5B; 0xFFFF for tests).",
    ),
]


class BeaconSettings(Reply):
    """How the beacon is sent and which beacons are received."""

    company_id: CompanyId = AXIS_COMPANY_ID
    watched_system_ids: list[SystemId] = Field(default_factory=list, max_length=32)
    """System IDs whose beacons are reported. The ones rules' conditions name are received too
    (``events.beacons.changed``); beacons of any other System ID are ignored."""
    presence_timeout_ms: int = Field(default=3000, ge=500, le=600_000)
    """A watched beacon counts as gone when none was received for this long."""
    min_rssi_dbm: int | None = Field(default=None, ge=-127, le=20)
    """Proximity: ignore beacons received weaker than this; ``None`` accepts any strength."""

    @field_validator("watched_system_ids")
    @classmethod
    def _unique(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("each System ID may be watched once")
        return sorted(value)


class GetBeaconSettings(Command[BeaconSettings]):
    """Read the beacon settings."""

    subject: ClassVar[str] = "ble.settings.get"
    required_role: ClassVar[Role] = Role.VIEWER


class SetBeaconSettings(Command[BeaconSettings]):
    """Replace the beacon settings; broadcasts and reception follow at once."""

    subject: ClassVar[str] = "ble.settings.set"
    required_role: ClassVar[Role] = Role.ADMINISTRATOR

    settings: BeaconSettings


class AdapterState(Reply):
    """The Bluetooth controller as the service sees it."""

    is_present: bool
    """BlueZ answers and has the configured controller."""
    is_powered: bool
    is_discovering: bool
    advertising_instances: int = Field(ge=0)
    supported_instances: int | None = Field(default=None, ge=0)
    """How many more advertisements the controller can take (BlueZ's ``SupportedInstances``)."""
    address: str | None = None


class GetAdapterState(Command[AdapterState]):
    """Read the Bluetooth controller's state."""

    subject: ClassVar[str] = "ble.adapter.get"
    required_role: ClassVar[Role] = Role.VIEWER


class AdapterStateChanged(Event):
    """The Bluetooth controller appeared, vanished, was powered, or its advertising changed."""

    subject: ClassVar[str] = "ble.adapter.changed"
    stateful: ClassVar[bool] = True

    state: AdapterState


class InjectBeacon(Command[Ack]):
    """Simulator: the radio receives a beacon, as a camera system nearby would send it."""

    subject: ClassVar[str] = "sim.ble.beacon.inject"
    required_role: ClassVar[Role] = Role.OPERATOR

    system_id: SystemId
    message_type: MessageType = 1
    sequence: int = Field(default=0, ge=0, le=255)
    flags: int = Field(default=0, ge=0, le=255)
    rssi_dbm: int | None = Field(default=-60, ge=-127, le=20)
    company_id: CompanyId | None = None
    """``None`` uses the configured company id."""

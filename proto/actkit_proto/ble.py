"""Messages of the ble service: the beacon that starts body-worn cameras, sent and received."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Role

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

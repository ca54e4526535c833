"""The BLE beacon that starts body-worn cameras: its manufacturer-data layout, encoded and decoded.

The specification, with test vectors, is ``docs/beacon.md``.
No public description of the camera system's beacon exists; this layout is ours and is sent as
the manufacturer-specific data (AD type 0xFF) under a Bluetooth SIG company identifier, which is
the key of BlueZ's ``ManufacturerData`` dictionary and so not part of the payload:

======  ====  ==============================================================================
offset  size  field
======  ====  ==============================================================================
0       1     format version, 1
1       1     message type: 0 idle, 1 lightbar active, 2 lightbar inactive
2       4     System ID, unsigned little-endian: binds a kit to one body worn system
6       1     sequence, incremented on every change so receivers can tell repeats apart
7       1     flags: bit 0 the triggering input is active; the other bits are reserved, 0
======  ====  ==============================================================================

Receivers match on company id and System ID, never on the sender's address: broadcast
advertisements use a random address that changes with the payload.

>>> payload = encode(Beacon(system_id=0x12345678, message_type=1, sequence=7, flags=1))
>>> payload.hex()
'0101785634120701'
>>> decode(payload)
Beacon(system_id=305419896, message_type=1, sequence=7, flags=1)
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Final, Protocol

AXIS_COMPANY_ID: Final = 0x0D5B
"""Axis Communications AB's Bluetooth SIG company identifier."""
TEST_COMPANY_ID: Final = 0xFFFF
"""Reserved by the Bluetooth SIG for tests."""
FORMAT_VERSION: Final = 1
PAYLOAD_SIZE: Final = 8
FLAG_INPUT_ACTIVE: Final = 0x01

_LAYOUT = struct.Struct("<BBIBB")


class MessageKind(IntEnum):
    """The message types the manual and the camera system know."""

    IDLE = 0
    LIGHTBAR_ACTIVE = 1
    LIGHTBAR_INACTIVE = 2


class BeaconFormatError(ValueError):
    """Bytes that are not a beacon of this format, or a field out of its range."""


@dataclass(frozen=True, slots=True)
class Beacon:
    """One beacon's content.

    Raises:
        BeaconFormatError: a field does not fit its size.
    """

    system_id: int
    message_type: int
    sequence: int
    flags: int = 0

    def __post_init__(self) -> None:
        _check("system_id", self.system_id, 0xFFFFFFFF)
        _check("message_type", self.message_type, 0xFF)
        _check("sequence", self.sequence, 0xFF)
        _check("flags", self.flags, 0xFF)


def _check(name: str, value: int, most: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise BeaconFormatError(f"{name} must be an integer from 0 to {most}, not {value!r}")


def encode(beacon: Beacon) -> bytes:
    """The manufacturer-data payload of ``beacon`` (8 bytes)."""
    return _LAYOUT.pack(
        FORMAT_VERSION, beacon.message_type, beacon.system_id, beacon.sequence, beacon.flags
    )


def decode(payload: bytes | bytearray | memoryview) -> Beacon:
    """The beacon in a manufacturer-data payload.

    Bytes after the eighth are ignored, so a later version may append fields (an authentication
    tag, for one) without breaking receivers of this one.

    Raises:
        BeaconFormatError: the payload is too short, not bytes, or of another format version.
    """
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise BeaconFormatError(f"a beacon payload is bytes, not {type(payload).__name__}")
    if len(payload) < PAYLOAD_SIZE:
        raise BeaconFormatError(f"a beacon payload has {PAYLOAD_SIZE} bytes, not {len(payload)}")
    version, message_type, system_id, sequence, flags = _LAYOUT.unpack_from(payload)
    if version != FORMAT_VERSION:
        raise BeaconFormatError(f"beacon format version {version} is not {FORMAT_VERSION}")
    return Beacon(system_id, message_type, sequence, flags)


class BeaconCodec(Protocol):
    """A beacon layout: how a :class:`Beacon` becomes manufacturer data, and back.

    actkit's is :data:`ACTKIT`; a vendor's is another object with these two methods, added to
    :data:`CODECS` under its name, which the ble service's settings choose.
    """

    def encode(self, beacon: Beacon) -> bytes:
        """The manufacturer-data payload of ``beacon``."""
        ...

    def decode(self, payload: bytes | bytearray | memoryview) -> Beacon:
        """The beacon in a payload.

        Raises:
            BeaconFormatError: the bytes are not a beacon of this layout.
        """
        ...


class ActkitCodec:
    """actkit's own layout (the module's docstring), version 1."""

    def encode(self, beacon: Beacon) -> bytes:
        """See :func:`encode`."""
        return encode(beacon)

    def decode(self, payload: bytes | bytearray | memoryview) -> Beacon:
        """See :func:`decode`."""
        return decode(payload)


ACTKIT: Final[BeaconCodec] = ActkitCodec()
CODECS: Final[Mapping[str, BeaconCodec]] = {"actkit": ACTKIT}
"""The beacon layouts by name; the ble service sends and hears the one its settings name."""

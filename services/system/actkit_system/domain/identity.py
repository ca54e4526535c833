"""The device's identity: the serial number is the MAC address's twelve hex digits."""

from __future__ import annotations

import re

from actkit_proto import Invalid
from actkit_proto.system import Identity

MODEL = "AXIS W401"
PRODUCT_NAME = "AXIS W401 Body Worn Activation Kit"
_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){5}$")


def normalized_mac(text: str) -> str:
    """``accc8e123456`` or ``ac-cc-8e-12-34-56`` as ``AC:CC:8E:12:34:56``.

    >>> normalized_mac("accc8e123456")
    'AC:CC:8E:12:34:56'
    """
    if not _MAC.match(text.strip()):
        raise Invalid(f"{text!r} is not a MAC address (six hex pairs)")
    digits = re.sub(r"[^0-9A-Fa-f]", "", text).upper()
    return ":".join(digits[index : index + 2] for index in range(0, 12, 2))


def identity(mac_address: str, software_version: str, build: str) -> Identity:
    """The identity of a device with this MAC address running this software."""
    mac = normalized_mac(mac_address)
    return Identity(
        model=MODEL,
        product_name=PRODUCT_NAME,
        serial_number=mac.replace(":", ""),
        mac_address=mac,
        software_version=software_version,
        build=build,
    )

"""What the device says about itself to VAPIX clients and on the Status page."""

from __future__ import annotations

import contextlib
import logging
import re

from actkit_core.bus import Publisher
from actkit_proto.errors import BusError
from actkit_proto.system import GetIdentity, Identity
from actkit_web.settings import WebSettings

BRAND = {
    "Brand": "AXIS",
    "ProdFullName": "AXIS W401 Body Worn Activation Kit",
    "ProdNbr": "W401",
    "ProdShortName": "AXIS W401",
    "ProdType": "Body Worn Activation Kit",
    "ProdVariant": "",
    "WebURL": "http://www.axis.com",
}
BUILD_DATE = "Jan 01 2026 00:00"

log = logging.getLogger(__name__)
_SEPARATORS = re.compile(r"[:\-. ]")
_SERIAL = re.compile(r"^[0-9A-F]{12}$")


def vapix_serial(serial: str, fallback: str) -> str:
    """The serial as VAPIX clients need it: the MAC as 12 upper-case hex digits.

    Home Assistant derives its unique id from it (``format_mac``) and param.cgi clients turn an
    all-digit value into a number, so anything else is replaced by ``fallback`` (the settings').
    """
    cleaned = _SEPARATORS.sub("", serial).upper()
    if _SERIAL.match(cleaned) and not cleaned.isdigit():
        return cleaned
    log.warning("serial number %r is not 12 hex digits with a letter; using %s", serial, fallback)
    return fallback


class DeviceIdentity:
    """The device's identity from the system service, asked once; the settings' until it answers."""

    def __init__(self, bus: Publisher, settings: WebSettings) -> None:
        self.bus = bus
        self.settings = settings
        self._identity: Identity | None = None

    async def properties(self) -> dict[str, str]:
        """Every key of VAPIX ``getAllProperties`` (clients read each one)."""
        if self._identity is None:
            # Without the system service the settings stand in; it is asked again next time.
            with contextlib.suppress(BusError):
                self._identity = await self.bus.request(GetIdentity(), self.settings.bus_timeout_s)
        serial = self.settings.serial_number
        if self._identity is not None:
            serial = vapix_serial(self._identity.serial_number, serial)
        version = (
            self._identity.software_version if self._identity else self.settings.firmware_version
        )
        return {
            "Architecture": "aarch64",
            "BuildDate": BUILD_DATE,
            "HardwareID": "9A1",
            "SerialNumber": serial,
            "Soc": "actkit",
            "SocSerialNumber": "",
            "Version": version,
            **BRAND,
        }

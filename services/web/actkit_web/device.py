"""What the device says about itself to VAPIX clients and on the Status page."""

from __future__ import annotations

import contextlib

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
        serial = self._identity.serial_number if self._identity else self.settings.serial_number
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

"""What the device says about itself to VAPIX clients and on the Status page."""

from __future__ import annotations

from actkit_core.bus import Publisher
from actkit_proto.system import GetIdentity
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
    """The device's identity, as the system service tells it: the device's one source of it.

    Asked each time, so that a rollout's new version shows at once; without an answer the
    request fails (503) rather than show a serial number or version of the web's own.
    """

    def __init__(self, bus: Publisher, settings: WebSettings) -> None:
        self.bus = bus
        self.settings = settings

    async def properties(self) -> dict[str, str]:
        """Every key of VAPIX ``getAllProperties`` (clients read each one).

        Raises:
            BusError: the system service did not answer.
        """
        identity = await self.bus.request(GetIdentity(), self.settings.bus_timeout_s)
        return {
            "Architecture": "aarch64",
            "BuildDate": BUILD_DATE,
            "HardwareID": "9A1",
            "SerialNumber": identity.serial_number,
            "Soc": "actkit",
            "SocSerialNumber": "",
            "Version": identity.software_version,
            **BRAND,
        }

"""What the device says about itself to VAPIX clients and on the Status page."""

from __future__ import annotations

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


def device_properties(settings: WebSettings) -> dict[str, str]:
    """Every key of VAPIX ``getAllProperties`` (clients read each one)."""
    return {
        "Architecture": "aarch64",
        "BuildDate": BUILD_DATE,
        "HardwareID": "9A1",
        "SerialNumber": settings.serial_number,
        "Soc": "actkit",
        "SocSerialNumber": "",
        "Version": settings.firmware_version,
        **BRAND,
    }

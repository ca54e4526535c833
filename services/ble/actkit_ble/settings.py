"""Settings of the ble service (``ACTKIT_BLE_*``)."""

from typing import ClassVar, Literal

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings
from actkit_proto.beacon import CODECS


class BleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_BLE_", extra="ignore")
    service: ClassVar[str] = "ble"

    adapter: Literal["bluez", "sim"] = "sim"
    """Which radio sends and hears beacons: BlueZ over D-Bus, or the in-memory simulator."""
    dbus_address: str | None = None
    """The system bus BlueZ is on, e.g. ``unix:path=/run/dbus/system_bus_socket``; unset: the
    default (``DBUS_SYSTEM_BUS_ADDRESS`` or the standard socket)."""
    controller: str = Field(default="hci0", pattern=r"^hci[0-9]{1,3}$")
    """The Bluetooth controller to use."""
    dbus_timeout_s: float = Field(default=2.0, gt=0, le=30)
    """How long one call to BlueZ may take before it counts as failed."""
    max_broadcasts: int = Field(default=4, ge=1, le=16)
    """The most System IDs broadcast at once (the controller may allow fewer)."""
    beacon_layout: str = "actkit"
    """The beacon layout sent and heard: a name in ``actkit_proto.beacon.CODECS``."""
    sim_repeat_s: float = Field(default=1.0, gt=0, le=60)
    """How often the simulator hears this device's own beacons again."""

    @field_validator("beacon_layout")
    @classmethod
    def _known_layout(cls, name: str) -> str:
        if name not in CODECS:
            raise ValueError(f"no beacon layout {name!r}; known: {', '.join(sorted(CODECS))}")
        return name

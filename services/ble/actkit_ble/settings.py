"""Settings of the ble service (``ACTKIT_BLE_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class BleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_BLE_", extra="ignore")
    service: ClassVar[str] = "ble"

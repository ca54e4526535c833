"""Settings of the mqtt service (``ACTKIT_MQTT_*``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class MqttSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_MQTT_", extra="ignore")
    service: ClassVar[str] = "mqtt"

    retry_min_s: float = Field(default=1.0, gt=0)
    """First delay before reconnecting (or asking the system service for the device's serial
    number again); it doubles after each failed attempt."""
    retry_max_s: float = Field(default=30.0, gt=0)
    """Longest delay between reconnection attempts."""

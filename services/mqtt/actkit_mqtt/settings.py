"""Settings of the mqtt service (``ACTKIT_MQTT_*``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class MqttSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_MQTT_", extra="ignore")
    service: ClassVar[str] = "mqtt"

    serial_number: str = Field(default="B8A44F000001", pattern=r"^[0-9A-F]{12}$")
    """The device's serial number: the default topic prefix is ``axis/<serial_number>``."""
    retry_min_s: float = Field(default=1.0, gt=0)
    """First delay before reconnecting; it doubles after each failed attempt."""
    retry_max_s: float = Field(default=30.0, gt=0)
    """Longest delay between reconnection attempts."""

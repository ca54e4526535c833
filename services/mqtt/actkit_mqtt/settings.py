"""Settings of the mqtt service (``ACTKIT_MQTT_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class MqttSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_MQTT_", extra="ignore")
    service: ClassVar[str] = "mqtt"

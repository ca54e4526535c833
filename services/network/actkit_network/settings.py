"""Settings of the network service (``ACTKIT_NETWORK_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class NetworkSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_NETWORK_", extra="ignore")
    service: ClassVar[str] = "network"

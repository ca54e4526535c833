"""Settings of the system service (``ACTKIT_SYSTEM_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class SystemSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_SYSTEM_", extra="ignore")
    service: ClassVar[str] = "system"

"""Settings of the io service (``ACTKIT_IO_*``)."""

from typing import ClassVar, Literal

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class IoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_IO_", extra="ignore")
    service: ClassVar[str] = "io"

    adapter: Literal["sim"] = "sim"
    """Which GPIO adapter drives the ports; ``sim`` is the in-memory simulator."""

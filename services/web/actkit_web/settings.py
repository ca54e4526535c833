"""Settings of the web service (``ACTKIT_WEB_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class WebSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_WEB_", extra="ignore")
    service: ClassVar[str] = "web"

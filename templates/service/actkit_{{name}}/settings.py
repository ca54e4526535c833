"""Settings of the {{name}} service (``ACTKIT_{{NAME}}_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class {{Name}}Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_{{NAME}}_", extra="ignore")
    service: ClassVar[str] = "{{name}}"

"""Settings of the accounts service (``ACTKIT_ACCOUNTS_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class AccountsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_ACCOUNTS_", extra="ignore")
    service: ClassVar[str] = "accounts"

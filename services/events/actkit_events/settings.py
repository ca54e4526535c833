"""Settings of the events service (``ACTKIT_EVENTS_*``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_EVENTS_", extra="ignore")
    service: ClassVar[str] = "events"

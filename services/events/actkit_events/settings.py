"""Settings of the events service (``ACTKIT_EVENTS_*``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from actkit_core.coalescing import DEFAULT_LIMIT
from actkit_core.settings import ServiceSettings
from actkit_proto.events import MAX_RECIPIENTS, MAX_RULES


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_EVENTS_", extra="ignore")
    service: ClassVar[str] = "events"

    log_size: int = Field(default=1000, ge=10, le=100_000)
    """How many entries the event log keeps (a ring: the oldest fall off)."""
    max_rules: int = Field(default=MAX_RULES, ge=1, le=MAX_RULES)
    max_recipients: int = Field(default=MAX_RECIPIENTS, ge=1, le=MAX_RECIPIENTS)
    backlog_limit: int = Field(default=DEFAULT_LIMIT, ge=100, le=1_000_000)
    """Events waiting for the engine at most, per subscription (see the README's flood part)."""

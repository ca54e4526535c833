"""Alembic environment of the mqtt service."""

from alembic import context

from actkit_core.db import run_migrations
from actkit_mqtt.store import metadata

run_migrations(context, metadata)

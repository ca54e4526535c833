"""Alembic environment of the events service."""

from alembic import context

from actkit_core.db import run_migrations
from actkit_events.store import metadata

run_migrations(context, metadata)

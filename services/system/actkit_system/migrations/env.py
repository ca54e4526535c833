"""Alembic environment of the system service."""

from alembic import context

from actkit_core.db import run_migrations
from actkit_system.store import metadata

run_migrations(context, metadata)

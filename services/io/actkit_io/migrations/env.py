"""Alembic environment of the io service."""

from alembic import context

from actkit_core.db import run_migrations
from actkit_io.store import metadata

run_migrations(context, metadata)

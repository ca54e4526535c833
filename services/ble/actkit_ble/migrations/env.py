"""Alembic environment of the ble service."""

from alembic import context

from actkit_ble.store import metadata
from actkit_core.db import run_migrations

run_migrations(context, metadata)

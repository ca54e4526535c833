"""Alembic environment of the accounts service."""

from alembic import context

from actkit_accounts.store import metadata
from actkit_core.db import run_migrations

run_migrations(context, metadata)

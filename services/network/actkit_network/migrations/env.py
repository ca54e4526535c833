"""Alembic environment of the network service."""

from alembic import context

from actkit_core.db import run_migrations
from actkit_network.store import metadata

run_migrations(context, metadata)

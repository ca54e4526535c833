"""What ``actkit run``'s forkserver imports once, before it forks every service from itself.

The foundation every service stands on: the service runtime (nats-py, pydantic, Prometheus),
SQLAlchemy on SQLite, every service's bus contract and the cryptography several of them use.
Imported here, before the fork, that work (about a second of CPU, tens of megabytes of classes
built and refcounts set) is done once and its pages are shared by every service.

What only one service uses (the web's FastAPI, the mqtt client, the accounts' password hashing…)
is left to that service, which imports its own modules once forked: the services then do that
work side by side, on every core, instead of one after the other in the forkserver before any
can start. Alembic is left out as well: a service imports it only when its database is behind
(a device's first start, an upgrade).

SQLAlchemy builds much of itself on first use (mappers, the SQLite dialect, statement compilers):
that is done here too, on an in-memory database. ``gc.freeze()`` at the end keeps the preloaded
objects out of the collector's reach, so a collection in a service does not write to (and so
copy) their pages.

Importing a module has no effect but definitions, with one exception: Prometheus metrics join
the default registry, which is why each service's /metrics shows only its own families (see
:class:`actkit_core.metrics.ServiceMetrics`).
"""

from __future__ import annotations

import contextlib
import gc
import importlib

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import configure_mappers

from actkit_proto.services import SERVICES

FOUNDATION = (
    "actkit_core.lifecycle",
    "actkit_core.db",
    "actkit_core.params",
    "actkit_core.section_params",
    "cryptography.x509",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
)
"""Modules at least two services import (a test keeps this list honest)."""


def warm_up_sqlalchemy() -> None:
    """Configure every mapper and run one statement on SQLite, so services share the result."""
    configure_mappers()
    create_async_engine("sqlite+aiosqlite:///:memory:")
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    engine.dispose()


def preload() -> None:
    """Import the foundation and every service's contract, warm up, freeze."""
    for name in FOUNDATION:
        importlib.import_module(name)
    for info in SERVICES:
        with contextlib.suppress(ModuleNotFoundError):  # a service without a contract of its own
            importlib.import_module(f"actkit_proto.{info.name}")
    warm_up_sqlalchemy()
    gc.freeze()


preload()

"""What ``actkit run`` imports once, before it forks every service from itself.

Each service's entry module, and through it every library the services use (pydantic,
SQLAlchemy, nats-py, cryptography, FastAPI…). A service imported on its own costs about a second
of CPU and writes to tens of megabytes of pages (a class built, a refcount changed, a free slot
filled); imported here, before the fork, all of that is done once and shared. A service whose
package this image lacks is skipped. ``gc.freeze()`` at the end keeps the preloaded objects out of
the collector's reach, so a collection in a service does not write to (and so copy) their pages.
SQLAlchemy builds much of itself on first use (mappers, the SQLite dialect, statement compilers):
that is done here too, on an in-memory database. So is what the services' stores and start-ups
run, eight times (:data:`WARM_UP_CALLS`): CPython 3.11 rewrites a function's code objects as it
warms up, and a function first warmed up in a service is a page copied in each of them (after
the bench's load, 1 to 1.6 MB less per service with the stores' and the settings' warmed here).

Alembic is left out: a service imports it only when its database is behind (a device's first
start, an upgrade). Preloaded, it would cost every power-on about 0.5 s and 20 MB for nothing.
When a service about to be forked has a database behind, :func:`warm_up_migrations` imports it
here after all, once, so that the services migrating on a first start share it instead of each
importing it (0.4 s of CPU each, seven services).

Why every service's modules, and not only what two or more of them share (which would let each
service import its own side by side, on both cores)? Importing in a forked service writes to
shared pages (refcounts, free slots, the interpreter's inline caches) and so copies them: at
power-on that was 37 MB more in total for 0.3 s less.

What each forked service still copies of the preload, measured after the bench's load (its pages
that no other process maps, each compared word by word with the supervisor's page at the same
address, and the word found in the object the supervisor had there): 16 to 28 MB before the
pages are merged, of which 5.6 to 8.4 MB came out identical (a refcount up and down again: the
kernel's same-page merging shares them again), 1.5 to 2.6 MB hold quickened code, 3.0 to 4.2 MB
only refcounts changed (interned strings above all, then types and functions), 2.3 to 3.9 MB fields
of objects in the preload's small-object pools (a new object in a slot the preload freed, a small
code object quickened, a string's hash), 1.5 to 2.3 MB malloc'd memory outside any object (dict
key tables, list arrays, the extension modules' own), and 0.8 to 5.7 MB is new (events' rules
above all). The code every service runs on the bus is warmed up before the fork too
(:func:`warm_up_bus`, from ``actkit run`` once nats-server is up). Filling the preload's free
small-object slots before the fork, so that the services' new objects go to pools of their own,
and freezing the supervisor's newer objects before each fork, changed nothing measurable.

What the services' libraries import on the side, for something no service uses, is kept out
(:data:`LEFT_OUT`): whoever imports it later, in a service, gets it then.

Importing a service's modules has no effect but definitions, with one exception: its Prometheus
metrics join the default registry, which is why each service's /metrics shows only its own
families (see :class:`actkit_core.metrics.ServiceMetrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import String, create_engine, delete, select, text, update
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, configure_mappers, mapped_column

from actkit_core import __version__
from actkit_core.cli.launch import console_script, left_out
from actkit_core.db import is_behind
from actkit_core.local_time import known_zones
from actkit_core.process import release_free_memory
from actkit_core.settings import ServiceSettings
from actkit_proto.errors import BusError
from actkit_proto.service import GetServiceStatus
from actkit_proto.services import SERVICES

log = logging.getLogger("actkit.run")

LEFT_OUT = ("httpx._main", "aiohttp", "dns")
"""Modules the services' libraries import when they are installed, which no service uses:
httpx's command line (``httpx._main``, with rich and pygments: 3 MB and 70 modules in every
stack), nats-py's WebSocket transport (aiohttp: 5 MB, 60 modules; the services reach their
nats-server at ``nats://``) and dnspython (``dns``: 2.3 MB, 58 modules), which paho-mqtt imports
for its ``connect_srv`` alone (the mqtt service connects to the broker's host and port; the
network service imports it when a dynamic DNS update is set, see its ``main``). Each
library goes on without them, as where they are not installed."""
AT_START = ("uvicorn.lifespan.off", "uvicorn.protocols.websockets.auto")
"""Modules a service imports as it starts rather than with its entry module: the web's uvicorn
picks its lifespan and WebSocket protocol as it reads its config (22 modules, websockets' among
them). Imported in a service, they were pages of its own; here, they are shared."""
ALEMBIC = ("alembic.command", "alembic.runtime.environment", "alembic.runtime.migration")


def entry_module(service: str) -> str:
    """The module of service ``service``'s console script ``actkit-<service>``."""
    return console_script(service).module


WARM_UP_CALLS = 8
"""CPython 3.11 rewrites a function's code for speed (quickening) at its eighth call, and then
each instruction for the types it meets as it runs: the warm-ups call what they run this often."""


WARM_UP_BUS_S = 1.0
"""How long :func:`warm_up_bus` may take at most (a few milliseconds on a bus that is up)."""


class _WarmUpBase(DeclarativeBase):
    """A table of its own for :func:`warm_up_sqlalchemy`, in no service's metadata."""


class _WarmUpRow(_WarmUpBase):
    __tablename__ = "warm_up"

    row_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(16))
    is_on: Mapped[bool] = mapped_column(default=False)


def warm_up_sqlalchemy() -> None:
    """Configure every mapper and run what the services' stores run, on an in-memory SQLite.

    A session's transaction, rows added, selected, merged, updated and deleted, as each
    store does with its own tables: SQLAlchemy's code for it is quickened here, once, in the
    pages every service shares, instead of in a copy of them in each service.
    """
    configure_mappers()
    create_async_engine("sqlite+aiosqlite:///:memory:")
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    _WarmUpBase.metadata.create_all(engine)
    for _ in range(WARM_UP_CALLS):
        with Session(engine) as session, session.begin():
            session.add_all(_WarmUpRow(row_id=index, name=str(index)) for index in range(3))
        with Session(engine) as session, session.begin():
            rows = list(session.scalars(select(_WarmUpRow).where(_WarmUpRow.row_id < 2)))
            rows[0].is_on = True
            session.merge(_WarmUpRow(row_id=2, name="2", is_on=True))
            session.get(_WarmUpRow, 1)
            session.execute(update(_WarmUpRow).values(is_on=False))
            session.execute(delete(_WarmUpRow))
    engine.dispose()


def warm_up_settings() -> None:
    """Read every service's settings as each will at its start (from this environment).

    One read each: pydantic-settings' code is the same for all, and runs once per service.
    """
    pending = list(ServiceSettings.__subclasses__())
    while pending:
        settings = pending.pop()
        pending.extend(settings.__subclasses__())
        with contextlib.suppress(ValidationError):
            settings()


async def warm_up_bus(url: str, password: str) -> None:
    """Serve a status on the bus at ``url`` and ask for it, as the services serve and ask.

    Every service serves its commands and asks for others' through the same code: nats-py's
    client and parser, ``nats.micro``, the dispatcher, a message's decoding and encoding, the
    metrics. Run here (as ``cli``, answering ``supervisor.service.status`` meanwhile), before
    the services are forked from this process, that code is quickened once in the pages they
    share instead of in a copy in each. A bus that does not let it within
    :data:`WARM_UP_BUS_S` (not reachable yet) only logs why: the services are started anyway.
    """
    # Imported here, after the preload's: nats-py imports what LEFT_OUT keeps out (aiohttp).
    from nats.errors import Error as NatsError

    from actkit_core.bus import Bus

    try:
        async with (
            asyncio.timeout(WARM_UP_BUS_S),
            Bus.connect("supervisor", servers=[url], user="cli", password=password) as bus,
        ):
            await bus.serve({}, None, version=__version__)
            for _ in range(WARM_UP_CALLS):
                await bus.request(GetServiceStatus(service=bus.name))
    except (TimeoutError, OSError, NatsError, BusError) as exc:
        log.info("the bus was not warmed up before the services start: %r", exc)


def warm_up_migrations(service: str, env: Mapping[str, str]) -> None:
    """Import Alembic now, before ``service`` is forked with ``env``, if its database is behind.

    The database is found as the service's settings find it (``ACTKIT_<SERVICE>_DB_PATH``, else
    ``<data_dir>/<service>.db``), its migrations in its entry module's ``MIGRATIONS``. At a
    power-on every database is at its head and nothing is imported.
    """
    if ALEMBIC[0] in sys.modules:
        return
    location = getattr(sys.modules.get(entry_module(service)), "MIGRATIONS", None)
    if location is None:  # a service without tables
        return
    prefix = f"ACTKIT_{service.upper()}_"
    setting = {**os.environ, **env}.get
    data_dir = Path(setting(prefix + "DATA_DIR") or "var")
    db_path = Path(setting(prefix + "DB_PATH") or data_dir / f"{service}.db")
    if is_behind(location, db_path):
        for module in ALEMBIC:
            importlib.import_module(module)
        gc.freeze()


def preload() -> None:
    """Import every service's entry module (skipping any this image lacks), warm up, freeze."""
    with left_out(LEFT_OUT):
        for info in SERVICES:
            with contextlib.suppress(ImportError, ValueError):
                importlib.import_module(entry_module(info.name))
        for module in AT_START:
            with contextlib.suppress(ImportError):
                importlib.import_module(module)
    warm_up_sqlalchemy()
    warm_up_settings()
    known_zones()  # every service checks the device's zone against it as it starts
    gc.freeze()
    release_free_memory()  # what the imports freed, before every service shares the heap


preload()

"""SQLite for each service: WAL, foreign keys, busy timeout; Alembic migrations run at start."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, event, pool
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names for every service's own ``DeclarativeBase`` subclass, which declares
``metadata = MetaData(naming_convention=NAMING_CONVENTION)``: one MetaData per service, so that
one service's migrations never see another's tables (see ``actkit_io.store.IoBase``)."""

BUSY_TIMEOUT_MS = 5000
REVISION_FILE = re.compile(r"^\d{4}_\w+\.py$")


def _set_pragmas(connection: sqlite3.Connection, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(script_location: str, db_path: Path) -> Config:
    """An Alembic config for a service's migrations (``actkit_io:migrations``) and database."""
    from alembic.config import Config  # imported when used: alembic costs start-up time

    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    return config


def migrations_folder(script_location: str) -> Path | None:
    """The folder of ``package:folder`` (or a plain path), as Alembic resolves it."""
    package, separator, folder = script_location.partition(":")
    if not separator:
        return Path(script_location)
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / folder


def numbered_head(script_location: str) -> str | None:
    """The newest revision when every revision file is numbered (``0003_rules.py``), else None.

    ``actkit migration`` numbers revisions in sequence, so the head is the highest number;
    ``0000`` when there are none yet.
    """
    versions = migrations_folder(script_location)
    if versions is None:
        return None
    files = [
        path.name for path in (versions / "versions").glob("*.py") if path.name != "__init__.py"
    ]
    if not all(REVISION_FILE.match(name) for name in files):
        return None
    return max((name[:4] for name in files), default="0000")


def current_revision(db_path: Path) -> str | None:
    """The revision the database is at, read without Alembic; None for a new database."""
    if not db_path.exists():
        return None
    with contextlib.closing(sqlite3.connect(db_path)) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return str(row[0]) if row else None


def is_behind(script_location: str, db_path: Path) -> bool:
    """Whether the database needs Alembic: new, or at another revision than the newest."""
    head = numbered_head(script_location)
    return head is None or current_revision(db_path) != head


def migrate(script_location: str, db_path: Path) -> None:
    """Bring the database to the newest revision, creating the file and its folder if needed.

    A database already at the head is recognised without importing Alembic, which would cost
    every start ~0.3 s and ~20 MB.
    """
    if not is_behind(script_location, db_path):
        return
    from alembic import command

    db_path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(script_location, db_path), "head")


def run_migrations(context: EnvironmentContext | ModuleType, target_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py`` (online mode, batch mode for SQLite)."""
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    event.listen(engine, "connect", _set_pragmas)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


@asynccontextmanager
async def open_db(db_path: Path) -> AsyncIterator[async_sessionmaker[Any]]:
    """An async session factory on the service's database, disposed on exit."""
    engine: AsyncEngine = create_async_engine(f"sqlite+aiosqlite:///{db_path}")
    event.listen(engine.sync_engine, "connect", _set_pragmas)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()

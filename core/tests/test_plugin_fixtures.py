"""The plugin's unit fixtures: FakeBus, and migrated databases copied from a template."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

from actkit_core.db import current_revision
from actkit_core.testing.fake_bus import FakeBus

IO = "actkit_io:migrations"


def test_fake_bus_fixture_is_empty(fake_bus: FakeBus) -> None:
    assert (fake_bus.published, fake_bus.sent, fake_bus.state) == ([], [], {})


def test_tmp_db_copies_a_template_at_head_for_each_call(
    tmp_db: Callable[[str], Path], tmp_path: Path
) -> None:
    first = tmp_db(IO)
    assert first == tmp_path / "actkit_io.db"
    head = current_revision(first)
    assert head is not None
    with sqlite3.connect(first) as connection:
        connection.execute("CREATE TABLE scratch (n INTEGER)")
    connection.close()
    second = tmp_db(IO)  # copied again from the same template: the scratch table is gone
    assert second == first
    assert current_revision(second) == head
    with sqlite3.connect(second) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    connection.close()
    assert ("scratch",) not in tables
    assert ("alembic_version",) in tables

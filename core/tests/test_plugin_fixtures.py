"""The plugin's unit fixtures: FakeBus, and migrated databases copied from a template."""

import sqlite3
from collections.abc import Callable
from pathlib import Path

from actkit_core.db import current_revision
from actkit_core.testing.clock import START, FakeClock
from actkit_core.testing.fake_bus import FakeBus

IO = "actkit_io:migrations"


def test_fake_bus_fixture_is_empty(fake_bus: FakeBus) -> None:
    assert (fake_bus.published, fake_bus.sent, fake_bus.state) == ([], [], {})


def test_clock_fixture_starts_at_the_fake_clocks_start(clock: FakeClock) -> None:
    assert (clock.now(), clock.monotonic()) == (START, 1000.0)


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


class _Item:
    def __init__(self, path: str) -> None:
        self.fspath = path
        self.markers: list[str] = []

    def add_marker(self, marker: object) -> None:
        self.markers.append(marker.name)  # type: ignore[attr-defined]


def test_tests_are_marked_by_their_folder() -> None:
    from actkit_core.testing.plugin import pytest_collection_modifyitems

    items = {
        path: _Item(path)
        for path in (
            "/repo/proto/tests/test_base.py",
            "/repo/core/tests/test_db.py",
            "/repo/core/tests/integration/test_bus.py",
            "/repo/services/io/tests/unit/test_domain.py",
            "/repo/services/io/tests/integration/test_main.py",
            "/repo/services/system/tests/board/test_rollouts.py",
            "/repo/tests/test_stack.py",
        )
    }
    pytest_collection_modifyitems(list(items.values()))  # type: ignore[arg-type]
    assert {path: item.markers for path, item in items.items()} == {
        "/repo/proto/tests/test_base.py": [],
        "/repo/core/tests/test_db.py": [],
        "/repo/core/tests/integration/test_bus.py": ["integration"],
        "/repo/services/io/tests/unit/test_domain.py": [],
        "/repo/services/io/tests/integration/test_main.py": ["integration"],
        "/repo/services/system/tests/board/test_rollouts.py": ["board"],
        "/repo/tests/test_stack.py": ["stack"],
    }

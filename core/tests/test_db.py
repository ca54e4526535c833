import sqlite3
from pathlib import Path

from actkit_core.db import current_revision, migrate, numbered_head

IO = "actkit_io:migrations"


def test_the_head_of_numbered_revisions_is_the_highest_number() -> None:
    assert numbered_head(IO) == "0001"


def test_a_new_database_has_no_revision_and_migrating_brings_it_to_head(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "io.db"
    assert current_revision(db) is None
    migrate(IO, db)
    assert current_revision(db) == "0001"


def test_migrating_a_database_at_head_leaves_it_alone(tmp_path: Path) -> None:
    db = tmp_path / "io.db"
    migrate(IO, db)
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO ports VALUES (1, 'Door', 'input', 'open', 1)")
    migrate(IO, db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT name FROM ports").fetchall() == [("Door",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_file_that_is_not_a_database_has_no_revision(tmp_path: Path) -> None:
    db = tmp_path / "io.db"
    sqlite3.connect(db).close()
    assert current_revision(db) is None

import sqlite3
from pathlib import Path

from actkit_core.db import current_revision, migrate, numbered_head

MIGRATIONS = str(Path(__file__).parent / "fixtures" / "migrations")


def test_the_head_of_numbered_revisions_is_the_highest_number() -> None:
    assert numbered_head(MIGRATIONS) == "0001"


def test_a_new_database_has_no_revision_and_migrating_brings_it_to_head(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "things.db"
    assert current_revision(db) is None
    migrate(MIGRATIONS, db)
    assert current_revision(db) == "0001"


def test_migrating_a_database_at_head_leaves_it_alone(tmp_path: Path) -> None:
    db = tmp_path / "things.db"
    migrate(MIGRATIONS, db)
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO things VALUES (1, 'lightbar')")
    migrate(MIGRATIONS, db)
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT name FROM things").fetchall() == [("lightbar",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_file_that_is_not_a_database_has_no_revision(tmp_path: Path) -> None:
    db = tmp_path / "things.db"
    sqlite3.connect(db).close()
    assert current_revision(db) is None


def test_an_unknown_package_has_no_numbered_head() -> None:
    assert numbered_head("actkit_nothing_here:migrations") is None

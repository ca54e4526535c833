import sqlite3
from pathlib import Path

from actkit_core.db import current_revision, migrate, migrations_folder, numbered_head, open_db

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


def test_a_package_location_resolves_to_its_folder_and_numbered_head() -> None:
    import actkit_io

    assert (
        migrations_folder("actkit_io:migrations") == Path(actkit_io.__file__).parent / "migrations"
    )
    assert numbered_head("actkit_io:migrations") is not None


def test_an_unnumbered_revision_file_means_no_numbered_head(tmp_path: Path) -> None:
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "0001_first.py").write_text("")
    (tmp_path / "versions" / "__init__.py").write_text("")
    assert numbered_head(str(tmp_path)) == "0001"
    (tmp_path / "versions" / "abcdef_second.py").write_text("")
    assert numbered_head(str(tmp_path)) is None


def test_a_folder_without_revisions_is_at_0000(tmp_path: Path) -> None:
    (tmp_path / "versions").mkdir()
    assert numbered_head(str(tmp_path)) == "0000"


async def test_sessions_use_the_migrated_database_with_its_pragmas(tmp_path: Path) -> None:
    from sqlalchemy import text

    db = tmp_path / "things.db"
    migrate(MIGRATIONS, db)
    async with open_db(db) as sessions, sessions() as session:
        await session.execute(text("INSERT INTO things VALUES (7, 'siren')"))
        await session.commit()
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await session.execute(text("PRAGMA busy_timeout"))).scalar() == 5000
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT name FROM things").fetchall() == [("siren",)]

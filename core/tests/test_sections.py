"""Settings sections over a real SQLite file: defaults, save, names, delete, restore."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import BaseModel
from sqlalchemy import MetaData, Table, create_engine, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from actkit_core.db import open_db
from actkit_core.sections import SectionStore, section_table


class Power(BaseModel):
    delay_min: int = 1


class Location(BaseModel):
    label: str = ""


class Rollout(BaseModel):
    version: str = ""


@pytest.fixture
def table() -> Table:
    return section_table(MetaData(), "settings_groups", key="key", key_length=32, document="body")


@pytest_asyncio.fixture
async def sessions(tmp_path: Path, table: Table) -> AsyncIterator[async_sessionmaker[Any]]:
    db_path = tmp_path / "sections.db"
    engine = create_engine(f"sqlite:///{db_path}")
    table.metadata.create_all(engine)
    engine.dispose()
    async with open_db(db_path) as made:
        yield made


def test_the_table_has_the_name_and_columns_a_service_gives(table: Table) -> None:
    assert table.name == "settings_groups"
    assert [(c.name, str(c.type), c.primary_key, c.nullable) for c in table.columns] == [
        ("key", "VARCHAR(32)", True, False),
        ("body", "TEXT", False, False),
    ]
    default = section_table(MetaData())
    assert (default.name, [c.name for c in default.columns]) == ("sections", ["name", "document"])
    assert str(default.columns["name"].type) == "VARCHAR(64)"


async def test_a_section_never_saved_reads_as_its_defaults(
    sessions: async_sessionmaker[Any], table: Table
) -> None:
    store = SectionStore(sessions, table)
    assert await store.load(Power) == Power()
    assert await store.load_optional(Power) is None


async def test_a_saved_section_reads_back_and_a_second_save_replaces_it(
    sessions: async_sessionmaker[Any], table: Table
) -> None:
    store = SectionStore(sessions, table, names={Power: "power"})
    await store.save(Power(delay_min=5))
    await store.save(Power(delay_min=7))
    await store.save(Location(label="Car 12"))
    assert await store.load(Power) == Power(delay_min=7)
    assert await store.load_optional(Location) == Location(label="Car 12")
    async with sessions() as session:
        rows = (await session.execute(select(table).order_by(table.c.key))).all()
    assert rows == [("Location", '{"label":"Car 12"}'), ("power", '{"delay_min":7}')]
    assert (store.name_of(Power), store.name_of(Location)) == ("power", "Location")

    class CheckedPower(Power):
        pass

    await store.save(CheckedPower(delay_min=9))  # stored as the section it refines
    assert await store.load(Power) == Power(delay_min=9)


async def test_deleting_forgets_one_section_or_all_but_those_kept(
    sessions: async_sessionmaker[Any], table: Table
) -> None:
    store = SectionStore(sessions, table)
    for section in (Power(delay_min=5), Location(label="Car 12"), Rollout(version="1.1")):
        await store.save(section)
    await store.delete(Location)
    assert await store.load_optional(Location) is None
    await store.save(Location(label="again"))
    await store.delete(Location, Power)
    assert (await store.load_optional(Location), await store.load_optional(Power)) == (None, None)
    await store.save(Power(delay_min=5))
    await store.delete_all(keep=[Rollout])
    assert (await store.load_optional(Power), await store.load(Rollout)) == (
        None,
        Rollout(version="1.1"),
    )
    await store.delete_all()
    assert await store.load_optional(Rollout) is None


async def test_deleting_all_can_join_the_callers_transaction(
    sessions: async_sessionmaker[Any], table: Table
) -> None:
    store = SectionStore(sessions, table)
    await store.save(Power(delay_min=5))
    with pytest.raises(RuntimeError, match="abandoned"):
        async with sessions.begin() as session:
            await store.delete_all(session=session)
            raise RuntimeError("abandoned")
    assert await store.load(Power) == Power(delay_min=5)  # rolled back with the caller's work
    async with sessions.begin() as session:
        await store.delete_all(session=session)
    assert await store.load_optional(Power) is None


async def test_a_restore_can_forget_all_and_store_what_it_keeps_in_one_transaction(
    sessions: async_sessionmaker[Any], table: Table
) -> None:
    store = SectionStore(sessions, table)
    await store.save(Power(delay_min=5))
    await store.save(Location(label="Car 12"))
    async with sessions.begin() as session:
        await store.delete_all(session=session)
        await store.save(Location(label="kept"), session=session)
        await store.delete(Power, session=session)
    assert (await store.load_optional(Power), await store.load(Location)) == (
        None,
        Location(label="kept"),
    )

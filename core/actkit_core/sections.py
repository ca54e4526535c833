"""Settings sections: each kept whole as one JSON document, read back as its pydantic model.

A service declares its table with :func:`section_table` (its own name and columns, as its
migrations made them) and keeps its settings through a :class:`SectionStore` on it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Column, Executable, MetaData, String, Table, Text, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

M = TypeVar("M", bound=BaseModel)


def section_table(
    metadata: MetaData,
    name: str = "sections",
    *,
    key: str = "name",
    key_length: int = 64,
    document: str = "document",
) -> Table:
    """The table of one service's sections: a name and its JSON document per row.

    Args:
        metadata: the service's metadata (its migrations compare against it).
        name: the table's name.
        key: the name of the column that holds a section's name.
        key_length: that column's length.
        document: the name of the column that holds the JSON document.
    """
    return Table(
        name,
        metadata,
        Column(key, String(key_length), primary_key=True),
        Column(document, Text, nullable=False),
    )


class SectionStore:
    """Settings sections by model; a section never saved reads as the model's defaults.

    A section is stored under its model's class name unless ``names`` gives it another (the
    name rows were stored under before).
    """

    def __init__(
        self,
        sessions: async_sessionmaker[Any],
        table: Table,
        names: Mapping[type[BaseModel], str] | None = None,
    ) -> None:
        """Keep sections in ``table`` (made by :func:`section_table`) through ``sessions``."""
        self._sessions = sessions
        self._table = table
        self._key, self._document = table.columns
        self._names = dict(names or {})

    def name_of(self, model: type[BaseModel]) -> str:
        """The name ``model``'s section is stored under (a subclass's is its named base's)."""
        named = (self._names[base] for base in model.__mro__ if base in self._names)
        return next(named, model.__name__)

    async def load(self, model: type[M]) -> M:
        """The stored section, or the model's defaults."""
        stored = await self.load_optional(model)
        return model() if stored is None else stored

    async def load_optional(self, model: type[M]) -> M | None:
        """The stored section, or None when it was never saved."""
        query = select(self._document).where(self._key == self.name_of(model))
        async with self._sessions() as session:
            document = await session.scalar(query)
        return None if document is None else model.model_validate_json(document)

    async def save(self, section: BaseModel, session: AsyncSession | None = None) -> None:
        """Insert or replace a section (in the caller's transaction ``session`` if given)."""
        name = self.name_of(type(section))
        await self._execute(
            session,
            delete(self._table).where(self._key == name),
            insert(self._table).values(
                {self._key.name: name, self._document.name: section.model_dump_json()}
            ),
        )

    async def delete(self, *models: type[BaseModel], session: AsyncSession | None = None) -> None:
        """Forget the sections of ``models``: they read as their defaults again."""
        names = [self.name_of(model) for model in models]
        await self._execute(session, delete(self._table).where(self._key.in_(names)))

    async def delete_all(
        self,
        keep: Collection[type[BaseModel]] = (),
        session: AsyncSession | None = None,
    ) -> None:
        """Forget every section but those of ``keep`` (a restore).

        Args:
            keep: the models whose sections stay as stored.
            session: a transaction of the caller's to do it in (with the rest of a restore);
                one of its own without.
        """
        kept = [self.name_of(model) for model in keep]
        await self._execute(session, delete(self._table).where(self._key.not_in(kept)))

    async def _execute(self, session: AsyncSession | None, *statements: Executable) -> None:
        if session is not None:
            for statement in statements:
                await session.execute(statement)
            return
        async with self._sessions.begin() as own:
            for statement in statements:
                await own.execute(statement)

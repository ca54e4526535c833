"""The events service's tables and the repositories that map rows to contract models.

Rules, recipients and schedules are stored as their validated JSON specs, one row each; the
JSON is the contract's own, so nothing is lost between the bus and the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import MetaData, Text, delete, func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.db import NAMING_CONVENTION
from actkit_proto.errors import Conflict, NotFound
from actkit_proto.events import RecipientSpec, RuleSpec, ScheduleSpec

T = TypeVar("T")


class EventsBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = EventsBase.metadata


class RuleRow(EventsBase):
    __tablename__ = "rules"

    item_id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class RecipientRow(EventsBase):
    __tablename__ = "recipients"

    item_id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class ScheduleRow(EventsBase):
    __tablename__ = "schedules"

    item_id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class SpecStore(Generic[T]):
    """One table of specs: numbered, limited in count, stored as JSON."""

    def __init__(
        self,
        sessions: async_sessionmaker[Any],
        row: type[RuleRow | RecipientRow | ScheduleRow],
        adapter: TypeAdapter[T],
        noun: str,
        limit: int,
    ) -> None:
        self._sessions = sessions
        self._row = row
        self._adapter = adapter
        self._noun = noun
        self.limit = limit

    async def all(self) -> dict[int, T]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(self._row).order_by(self._row.item_id))).all()
            return {row.item_id: self._adapter.validate_json(row.body) for row in rows}

    async def get(self, item_id: int) -> T:
        async with self._sessions() as session:
            row = await session.get(self._row, item_id)
            if row is None:
                raise NotFound(f"there is no {self._noun} {item_id}")
            return self._adapter.validate_json(row.body)

    async def create(self, spec: T) -> int:
        """Store a new spec; refuse it when the table is full.

        Raises:
            Conflict: the limit is reached.
        """
        async with self._sessions.begin() as session:
            count = await session.scalar(select(func.count()).select_from(self._row))
            if (count or 0) >= self.limit:
                raise Conflict(
                    f"the device already has {self.limit} {self._noun}s, the most it can hold; "
                    f"delete one first"
                )
            row = self._row(body=self._adapter.dump_json(spec).decode())
            session.add(row)
            await session.flush()
            return row.item_id

    async def save(self, item_id: int, spec: T) -> None:
        async with self._sessions.begin() as session:
            row = await session.get(self._row, item_id)
            if row is None:
                raise NotFound(f"there is no {self._noun} {item_id}")
            row.body = self._adapter.dump_json(spec).decode()

    async def change(self, item_id: int, change: Callable[[T], T | None]) -> T | None:
        """Store what ``change`` makes of a stored spec; a person's save in between wins.

        Returns what was stored: ``None`` when the spec is gone, ``change`` gave ``None``, or the
        spec was saved meanwhile (the update names the body it read, so it does not overwrite).
        """
        async with self._sessions() as session:
            row = await session.get(self._row, item_id)
            if row is None:
                return None
            body = row.body
        changed = change(self._adapter.validate_json(body))
        if changed is None:
            return None
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(self._row)
                .where(self._row.item_id == item_id, self._row.body == body)
                .values(body=self._adapter.dump_json(changed).decode())
            )
        return changed if getattr(result, "rowcount", 0) else None

    async def delete(self, item_id: int) -> None:
        async with self._sessions.begin() as session:
            result = await session.execute(delete(self._row).where(self._row.item_id == item_id))
            if not getattr(result, "rowcount", 0):
                raise NotFound(f"there is no {self._noun} {item_id}")


async def clear_all(stores: Sequence[SpecStore[Any]]) -> None:
    """Delete every spec of ``stores`` in one transaction: all of them go, or none.

    The stores share one database (the service's); the first one's sessions are used.
    """
    if not stores:
        return
    async with stores[0]._sessions.begin() as session:
        for store in stores:
            await session.execute(delete(store._row))


def rule_store(sessions: async_sessionmaker[Any], limit: int) -> SpecStore[RuleSpec]:
    return SpecStore(sessions, RuleRow, TypeAdapter(RuleSpec), "rule", limit)


def recipient_store(sessions: async_sessionmaker[Any], limit: int) -> SpecStore[RecipientSpec]:
    adapter: TypeAdapter[RecipientSpec] = TypeAdapter(RecipientSpec)
    return SpecStore(sessions, RecipientRow, adapter, "recipient", limit)


def schedule_store(sessions: async_sessionmaker[Any], limit: int) -> SpecStore[ScheduleSpec]:
    adapter: TypeAdapter[ScheduleSpec] = TypeAdapter(ScheduleSpec)
    return SpecStore(sessions, ScheduleRow, adapter, "schedule", limit)

"""The io service's tables and the repository that maps rows to domain objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from actkit_core.db import Base
from actkit_io.domain import PortConfig
from actkit_proto.io import Circuit, Direction


class IoBase(Base):
    __abstract__ = True


metadata = IoBase.metadata


class PortRow(IoBase):
    __tablename__ = "ports"

    port_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    normal_state: Mapped[str] = mapped_column(String(8))
    is_configurable: Mapped[bool]


class PortStore:
    """Port configurations, seeded with the board's defaults on first start."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def load(self, defaults: list[PortConfig]) -> list[PortConfig]:
        """Every stored port; stores ``defaults`` first when there are none."""
        async with self._sessions.begin() as session:
            rows = (await session.scalars(select(PortRow).order_by(PortRow.port_id))).all()
            if not rows:
                session.add_all(_to_row(config) for config in defaults)
                return list(defaults)
            return [_to_config(row) for row in rows]

    async def save(self, config: PortConfig) -> None:
        """Insert or replace one port's configuration."""
        async with self._sessions.begin() as session:
            await session.merge(_to_row(config))


def _to_row(config: PortConfig) -> PortRow:
    return PortRow(
        port_id=config.port_id,
        name=config.name,
        direction=config.direction.value,
        normal_state=config.normal_state.value,
        is_configurable=config.is_configurable,
    )


def _to_config(row: PortRow) -> PortConfig:
    return PortConfig(
        port_id=row.port_id,
        name=row.name,
        direction=Direction(row.direction),
        normal_state=Circuit(row.normal_state),
        is_configurable=row.is_configurable,
    )

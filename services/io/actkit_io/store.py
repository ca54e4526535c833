"""The io service's tables and the repository that maps rows to domain objects."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from sqlalchemy import MetaData, String, delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.db import NAMING_CONVENTION
from actkit_io.domain.board import PortConfig
from actkit_proto.io import Circuit, Direction, Reflex

log = logging.getLogger(__name__)


class IoBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = IoBase.metadata


class PortRow(IoBase):
    __tablename__ = "ports"

    port_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(8))
    normal_state: Mapped[str] = mapped_column(String(8))
    is_supervised: Mapped[bool] = mapped_column(default=False)
    debounce_ms: Mapped[int] = mapped_column(default=50)


class ReflexRow(IoBase):
    """A rule io carries out itself, as the events service last set them (``SetReflexes``)."""

    __tablename__ = "reflexes"

    rule_id: Mapped[int] = mapped_column(primary_key=True)
    input_port_id: Mapped[int]
    is_inverted: Mapped[bool]
    output_port_id: Mapped[int]
    is_active: Mapped[bool]


class PortStore:
    """Port settings; what a port can do comes from the board profile, never from the rows."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def load(self, defaults: list[PortConfig]) -> list[PortConfig]:
        """The board's ports with their stored settings; a port never stored gets its default."""
        async with self._sessions.begin() as session:
            rows = {row.port_id: row for row in await session.scalars(select(PortRow))}
            configs = []
            for default in defaults:
                row = rows.pop(default.port_id, None)
                if row is None:
                    session.add(_to_row(default))
                    configs.append(default)
                else:
                    configs.append(_merge(default, row))
            for port_id in rows:
                log.warning("port %d is stored but not on this board; ignored", port_id)
            return configs

    async def save(self, config: PortConfig) -> None:
        """Insert or replace one port's settings."""
        async with self._sessions.begin() as session:
            await session.merge(_to_row(config))

    async def reset(self, defaults: list[PortConfig]) -> None:
        """Replace every port's settings with the board's defaults, in one transaction."""
        async with self._sessions.begin() as session:
            await session.execute(delete(PortRow))
            session.add_all(_to_row(config) for config in defaults)

    async def load_reflexes(self) -> list[Reflex]:
        """The reflexes as last set, so that a restarted io follows them from its first edge."""
        async with self._sessions.begin() as session:
            rows = await session.scalars(select(ReflexRow).order_by(ReflexRow.rule_id))
            return [
                Reflex(
                    rule_id=row.rule_id,
                    input_port_id=row.input_port_id,
                    is_inverted=row.is_inverted,
                    output_port_id=row.output_port_id,
                    is_active=row.is_active,
                )
                for row in rows
            ]

    async def save_reflexes(self, reflexes: list[Reflex]) -> None:
        """Replace every reflex, in one transaction."""
        async with self._sessions.begin() as session:
            await session.execute(delete(ReflexRow))
            session.add_all(ReflexRow(**reflex.model_dump()) for reflex in reflexes)


def _to_row(config: PortConfig) -> PortRow:
    return PortRow(
        port_id=config.port_id,
        name=config.name,
        direction=config.direction.value,
        normal_state=config.normal_state.value,
        is_supervised=config.is_supervised,
        debounce_ms=config.debounce_ms,
    )


def _merge(default: PortConfig, row: PortRow) -> PortConfig:
    direction = Direction(row.direction) if default.is_configurable else default.direction
    is_supervised = row.is_supervised and default.can_supervise and direction is Direction.INPUT
    return dataclasses.replace(
        default,
        name=row.name,
        direction=direction,
        normal_state=Circuit(row.normal_state),
        is_supervised=is_supervised,
        debounce_ms=row.debounce_ms,
    )

"""The ble service's table and the repository of its beacon settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, MetaData, delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.db import NAMING_CONVENTION
from actkit_proto.ble import BeaconReflex, BeaconSettings


class BleBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = BleBase.metadata


class SettingsRow(BleBase):
    __tablename__ = "beacon_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int]
    watched_system_ids: Mapped[list[int]] = mapped_column(JSON)
    presence_timeout_ms: Mapped[int]
    min_rssi_dbm: Mapped[int | None]


class ReflexRow(BleBase):
    """A rule ble carries out itself, as the events service last set them."""

    __tablename__ = "reflexes"

    rule_id: Mapped[int] = mapped_column(primary_key=True)
    input_port_id: Mapped[int]
    is_inverted: Mapped[bool]
    system_id: Mapped[int]
    message_type: Mapped[int]


class SettingsStore:
    """The one row of beacon settings; the defaults until someone saves them."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def load(self) -> BeaconSettings:
        """The saved settings, or the defaults."""
        async with self._sessions() as session:
            row = (await session.scalars(select(SettingsRow))).first()
        if row is None:
            return BeaconSettings()
        return BeaconSettings(
            company_id=row.company_id,
            watched_system_ids=row.watched_system_ids,
            presence_timeout_ms=row.presence_timeout_ms,
            min_rssi_dbm=row.min_rssi_dbm,
        )

    async def save(self, settings: BeaconSettings) -> None:
        """Replace the saved settings."""
        async with self._sessions.begin() as session:
            await session.merge(
                SettingsRow(
                    id=1,
                    company_id=settings.company_id,
                    watched_system_ids=list(settings.watched_system_ids),
                    presence_timeout_ms=settings.presence_timeout_ms,
                    min_rssi_dbm=settings.min_rssi_dbm,
                )
            )

    async def load_reflexes(self) -> list[BeaconReflex]:
        """The reflexes as last set, so that a restarted ble follows them from its start."""
        async with self._sessions() as session:
            rows = await session.scalars(select(ReflexRow).order_by(ReflexRow.rule_id))
            return [
                BeaconReflex(
                    rule_id=row.rule_id,
                    input_port_id=row.input_port_id,
                    is_inverted=row.is_inverted,
                    system_id=row.system_id,
                    message_type=row.message_type,
                )
                for row in rows
            ]

    async def save_reflexes(self, reflexes: list[BeaconReflex]) -> None:
        """Replace every reflex, in one transaction."""
        async with self._sessions.begin() as session:
            await session.execute(delete(ReflexRow))
            session.add_all(ReflexRow(**reflex.model_dump()) for reflex in reflexes)

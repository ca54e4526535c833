"""The system service's tables: settings sections, remote syslog servers, the two logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, String, Text, delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.db import NAMING_CONVENTION
from actkit_core.sections import SectionStore, section_table
from actkit_proto.system import (
    AccessEntry,
    AppsSettings,
    Location,
    LogEntry,
    PowerSettings,
    Severity,
    SyslogServer,
    SyslogServerEntry,
    TimeSettings,
    UpgradeSettings,
)
from actkit_system.domain.app_licences import AppLicences
from actkit_system.domain.apps import InstalledApps
from actkit_system.domain.rollout import RolloutRecord


class SystemBase(DeclarativeBase):
    # Its own metadata: the shared Base's would also hold every other service's tables.
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = SystemBase.metadata


SECTIONS = section_table(metadata, "sections", key_length=32, document="value")


class SyslogServerRow(SystemBase):
    __tablename__ = "syslog_servers"

    server_id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LogRow(SystemBase):
    __tablename__ = "system_log"

    entry_id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    severity: Mapped[str] = mapped_column(String(16))
    service: Mapped[str] = mapped_column(String(32))
    logger: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)


class AccessRow(SystemBase):
    __tablename__ = "access_log"

    entry_id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    client_address: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(32))
    page: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


def _aware(at: datetime) -> datetime:
    # SQLite keeps no offset: every time is stored in UTC and read back as UTC.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


class SystemStore(SectionStore):
    """Settings sections as JSON documents, syslog servers, and the logs' rows."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        super().__init__(
            sessions,
            SECTIONS,
            names={
                PowerSettings: "power",
                TimeSettings: "time",
                Location: "location",
                RolloutRecord: "rollout",
                UpgradeSettings: "upgrade",
                AppsSettings: "apps_settings",
                InstalledApps: "apps",
                AppLicences: "app_licences",
            },
        )

    async def syslog_servers(self) -> list[SyslogServerEntry]:
        async with self._sessions() as session:
            rows = (await session.scalars(select(SyslogServerRow))).all()
        return [
            SyslogServerEntry(
                server_id=row.server_id, server=SyslogServer.model_validate_json(row.value)
            )
            for row in sorted(rows, key=lambda row: row.server_id)
        ]

    async def add_syslog_server(self, server: SyslogServer) -> SyslogServerEntry:
        async with self._sessions.begin() as session:
            row = SyslogServerRow(value=server.model_dump_json())
            session.add(row)
            await session.flush()
            return SyslogServerEntry(server_id=row.server_id, server=server)

    async def remove_syslog_server(self, server_id: int) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(SyslogServerRow).where(SyslogServerRow.server_id == server_id)
            )
        return bool(result.rowcount)

    async def recent_log(self, limit: int) -> list[LogEntry]:
        """The newest ``limit`` system log lines, oldest first."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(select(LogRow).order_by(LogRow.entry_id.desc()).limit(limit))
            ).all()
        return [
            LogEntry(
                entry_id=row.entry_id,
                at=_aware(row.at),
                severity=Severity(row.severity),
                service=row.service,
                logger=row.logger,
                message=row.message,
            )
            for row in reversed(rows)
        ]

    async def recent_access(self, limit: int) -> list[AccessEntry]:
        """The newest ``limit`` access log lines, oldest first."""
        async with self._sessions() as session:
            rows = (
                await session.scalars(
                    select(AccessRow).order_by(AccessRow.entry_id.desc()).limit(limit)
                )
            ).all()
        return [
            AccessEntry(
                entry_id=row.entry_id,
                at=_aware(row.at),
                client_address=row.client_address,
                name=row.name,
                method=row.method,
                page=row.page,
                reason=row.reason,
            )
            for row in reversed(rows)
        ]

    async def append_logs(
        self,
        system: Sequence[LogEntry],
        access: Sequence[AccessEntry],
        oldest_system_id: int,
        oldest_access_id: int,
    ) -> None:
        """Write new lines and drop those older than what the journals keep, in one transaction."""
        async with self._sessions.begin() as session:
            session.add_all(LogRow(**entry.model_dump()) for entry in system)
            session.add_all(AccessRow(**entry.model_dump()) for entry in access)
            await session.execute(delete(LogRow).where(LogRow.entry_id < oldest_system_id))
            await session.execute(delete(AccessRow).where(AccessRow.entry_id < oldest_access_id))

    async def reset_settings(self) -> None:
        """Forget every settings section and remote syslog server: defaults apply.

        What is installed (the rollout record, the apps) and the apps' licences are not
        settings and stay.
        """
        async with self._sessions.begin() as session:
            await self.delete_all(keep=[RolloutRecord, InstalledApps, AppLicences], session=session)
            await session.execute(delete(SyslogServerRow))

    async def clear_logs(self) -> None:
        """Forget both logs (factory default)."""
        async with self._sessions.begin() as session:
            await session.execute(delete(LogRow))
            await session.execute(delete(AccessRow))

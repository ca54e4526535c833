"""The network service's table: each settings group stored whole, as JSON, under its name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import MetaData, String, Text, delete
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.db import NAMING_CONVENTION
from actkit_network.domain.firewall import FirewallState
from actkit_proto.network import FirewallPolicy, FirewallRule

G = TypeVar("G", bound=BaseModel)


class NetworkBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = NetworkBase.metadata


class SettingsGroupRow(NetworkBase):
    __tablename__ = "settings_groups"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class SnmpV3Password(BaseModel):
    """Kept apart from the SNMP group so that it never travels in a reply."""

    password: str = ""


class _FirewallRecord(BaseModel):
    is_active: bool
    default_policy: FirewallPolicy
    active_rules: tuple[FirewallRule, ...]
    pending_rules: tuple[FirewallRule, ...]
    test_deadline: float | None
    rules_before_test: tuple[FirewallRule, ...]


class SettingsStore:
    """Settings groups by model; a group never saved reads as the model's defaults."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def load(self, model: type[G]) -> G:
        """The stored group, or its defaults."""
        stored = await self.load_optional(model)
        return model() if stored is None else stored

    async def save(self, group: BaseModel) -> None:
        """Insert or replace a group."""
        async with self._sessions.begin() as session:
            await session.merge(
                SettingsGroupRow(name=type(group).__name__, body=group.model_dump_json())
            )

    async def reset(self, keep: Sequence[BaseModel]) -> None:
        """Forget every group but ``keep`` (stored as given), in one transaction."""
        async with self._sessions.begin() as session:
            await session.execute(delete(SettingsGroupRow))
            for group in keep:
                body = group.model_dump_json()
                session.add(SettingsGroupRow(name=type(group).__name__, body=body))

    async def load_firewall(self) -> FirewallState:
        """The firewall, with a test in progress and the rules it reverts to."""
        record = await self.load_optional(_FirewallRecord)
        return FirewallState() if record is None else FirewallState(**dict(record))

    async def save_firewall(self, state: FirewallState) -> None:
        """Store the firewall whole."""
        await self.save(_FirewallRecord(**state.__dict__))

    async def load_optional(self, model: type[G]) -> G | None:
        """The stored group, or None if it was never saved."""
        async with self._sessions() as session:
            row = await session.get(SettingsGroupRow, model.__name__)
            return None if row is None else model.model_validate_json(row.body)

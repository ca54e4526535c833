"""The network service's table: each settings group stored whole, as JSON, under its name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import async_sessionmaker

from actkit_core.db import NAMING_CONVENTION
from actkit_core.sections import SectionStore, section_table
from actkit_network.domain.firewall import FirewallState
from actkit_proto.network import FirewallPolicy, FirewallRule

metadata = MetaData(naming_convention=NAMING_CONVENTION)

SETTINGS_GROUPS = section_table(metadata, "settings_groups", document="body")


class SnmpV3Password(BaseModel):
    """Kept apart from the SNMP group so that it never travels in a reply."""

    password: str = ""


class O3cClaim(BaseModel):
    """The cloud connection's claim: kept apart from the settings, never in a settings reply."""

    owner_key: str = ""
    is_claimed: bool = False
    claim_deadline: datetime | None = None
    """One-click: the end of the 24 hours HQ has to claim the device after the button."""


class _FirewallRecord(BaseModel):
    is_active: bool
    default_policy: FirewallPolicy
    active_rules: tuple[FirewallRule, ...]
    pending_rules: tuple[FirewallRule, ...]
    test_deadline: float | None
    rules_before_test: tuple[FirewallRule, ...]


class SettingsStore(SectionStore):
    """Settings groups by model, stored under their class names, and the firewall."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        super().__init__(sessions, SETTINGS_GROUPS)

    async def reset(self, keep: Sequence[BaseModel]) -> None:
        """Forget every group but ``keep`` (stored as given), in one transaction."""
        async with self._sessions.begin() as session:
            await self.delete_all(session=session)
            for group in keep:
                await self.save(group, session=session)

    async def load_firewall(self) -> FirewallState:
        """The firewall, with a test in progress and the rules it reverts to."""
        record = await self.load_optional(_FirewallRecord)
        return FirewallState() if record is None else FirewallState(**dict(record))

    async def save_firewall(self, state: FirewallState) -> None:
        """Store the firewall whole."""
        await self.save(_FirewallRecord(**state.__dict__))

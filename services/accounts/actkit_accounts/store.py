"""The accounts service's tables and the repository that maps rows to domain objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from actkit_accounts.domain.accounts import Account, PasswordHashes
from actkit_core.db import NAMING_CONVENTION, Base
from actkit_proto import Conflict
from actkit_proto.base import Role


class AccountsBase(Base):
    __abstract__ = True
    # Its own metadata: the shared Base's would also hold every other service's tables.
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = AccountsBase.metadata


class AccountRow(AccountsBase):
    __tablename__ = "accounts"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[int]
    password_hash: Mapped[str] = mapped_column(String(256))
    ha1_md5: Mapped[str] = mapped_column(String(32))
    ha1_sha256: Mapped[str] = mapped_column(String(64))
    is_first: Mapped[bool]
    created_at: Mapped[datetime]


class FirstRunRow(AccountsBase):
    """One row once the first administrator exists: its primary key makes creation happen once."""

    __tablename__ = "first_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    administrator: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime]


class OptionRow(AccountsBase):
    """A setting of the service as JSON (authentication, blocking, anonymous access ...)."""

    __tablename__ = "options"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AccountStore:
    """Accounts and the service's settings."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def load(self) -> list[Account]:
        """Every account, by name."""
        async with self._sessions() as session:
            rows = (await session.scalars(select(AccountRow).order_by(AccountRow.name))).all()
            return [_to_account(row) for row in rows]

    async def create_first(self, account: Account) -> None:
        """Store the first administrator; Conflict when one was already created."""
        try:
            async with self._sessions.begin() as session:
                session.add(FirstRunRow(id=1, administrator=account.name, completed_at=_now()))
                await session.flush()
                session.add(_to_row(account))
        except IntegrityError:
            raise Conflict("the first administrator already exists; log in instead") from None

    async def save(self, account: Account) -> None:
        """Insert or replace an account."""
        async with self._sessions.begin() as session:
            existing = await session.get(AccountRow, account.name)
            row = _to_row(account)
            if existing is not None:
                row.created_at = existing.created_at
            await session.merge(row)

    async def delete(self, name: str) -> None:
        """Remove an account."""
        async with self._sessions.begin() as session:
            await session.execute(delete(AccountRow).where(AccountRow.name == name))

    async def option(self, key: str) -> Any:
        """A stored setting (decoded JSON), or None when never set."""
        async with self._sessions() as session:
            row = await session.get(OptionRow, key)
            return None if row is None else json.loads(row.value)

    async def set_option(self, key: str, value: Any) -> None:
        """Store a setting as JSON."""
        async with self._sessions.begin() as session:
            await session.merge(OptionRow(key=key, value=json.dumps(value)))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _to_row(account: Account) -> AccountRow:
    return AccountRow(
        name=account.name,
        role=int(account.role),
        password_hash=account.hashes.argon2,
        ha1_md5=account.hashes.ha1_md5,
        ha1_sha256=account.hashes.ha1_sha256,
        is_first=account.is_first,
        created_at=_now(),
    )


def _to_account(row: AccountRow) -> Account:
    return Account(
        name=row.name,
        role=Role(row.role),
        hashes=PasswordHashes(row.password_hash, row.ha1_md5, row.ha1_sha256),
        is_first=row.is_first,
    )

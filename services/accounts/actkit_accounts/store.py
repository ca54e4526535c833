"""The accounts service's tables and the repository that maps rows to domain objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, cast, get_args

from pydantic import RootModel
from sqlalchemy import MetaData, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_accounts.domain.accounts import Account, PasswordHashes, ServiceAccount
from actkit_accounts.domain.certificates import StoredCertificate
from actkit_core.db import NAMING_CONVENTION
from actkit_core.sections import SectionStore, section_table
from actkit_proto import Conflict
from actkit_proto.accounts import AuthSettings, BruteForceSettings, Keystore, OpenIdSettings
from actkit_proto.base import Role


class AccountsBase(DeclarativeBase):
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
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]


class FirstRunRow(AccountsBase):
    """One row once the first administrator exists: its primary key makes creation happen once."""

    __tablename__ = "first_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    administrator: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[datetime]


OPTIONS = section_table(metadata, "options", key="key", document="value")
"""The service's settings, one JSON document each (authentication, blocking, OpenID ...)."""


class SshEnabled(RootModel[bool]):
    """Whether SSH is turned on."""

    root: bool = False


class CaCertificatesInstalled(RootModel[bool]):
    """Whether the preinstalled CA certificates were installed (once, at first start)."""

    root: bool = False


class OsCertificatePem(RootModel[str | None]):
    """The custom signed OS certificate installed; None (or never saved) when there is none."""

    root: str | None = None


class StoredOpenId(OpenIdSettings):
    """The OpenID settings with the client secret, which no reply carries."""

    client_secret: str = ""


class ServiceAccountRow(AccountsBase):
    """ONVIF and SSH accounts: ``service`` says which."""

    __tablename__ = "service_accounts"

    service: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(String(256))
    sealed_password: Mapped[str | None] = mapped_column(Text)
    """ONVIF: the password sealed by the keystore (a UsernameToken digest needs the password)."""
    created_at: Mapped[datetime]


class CertificateRow(AccountsBase):
    __tablename__ = "certificates"

    cert_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    certificate_pem: Mapped[str] = mapped_column(Text)
    chain_pem: Mapped[str] = mapped_column(Text)
    private_key_pem: Mapped[str | None] = mapped_column(Text)
    keystore: Mapped[str] = mapped_column(String(16))
    is_preinstalled: Mapped[bool]
    used_by: Mapped[str] = mapped_column(Text)
    """JSON list of users (``https``, ``ieee8021x`` ...)."""
    created_at: Mapped[datetime]


class AccountStore:
    """Accounts and the service's settings (its sections)."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions
        self.sections = SectionStore(
            sessions,
            OPTIONS,
            names={
                AuthSettings: "auth",
                BruteForceSettings: "brute_force",
                StoredOpenId: "openid",
                SshEnabled: "ssh_enabled",
                CaCertificatesInstalled: "ca_installed",
                OsCertificatePem: "os_certificate",
            },
        )

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

    async def factory_reset(self) -> None:
        """Forget everything in one transaction: accounts, first run, settings, certificates."""
        async with self._sessions.begin() as session:
            for table in (AccountRow, FirstRunRow, ServiceAccountRow, CertificateRow):
                await session.execute(delete(table))
            await self.sections.delete_all(session=session)


class ServiceAccountStore:
    """The accounts of one other way in (``onvif`` or ``ssh``)."""

    def __init__(self, sessions: async_sessionmaker[Any], service: str) -> None:
        self._sessions = sessions
        self.service = service

    async def load(self) -> dict[str, ServiceAccount]:
        """Every account of the service, by name."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(ServiceAccountRow)
                .where(ServiceAccountRow.service == self.service)
                .order_by(ServiceAccountRow.name)
            )
            return {row.name: _to_service_account(row) for row in rows.all()}

    async def get(self, name: str) -> ServiceAccount | None:
        """One account by its exact name (a primary-key look-up)."""
        async with self._sessions() as session:
            row = await session.get(ServiceAccountRow, (self.service, name))
            return None if row is None else _to_service_account(row)

    async def save(self, account: ServiceAccount) -> None:
        """Insert or replace an account."""
        async with self._sessions.begin() as session:
            await session.merge(
                ServiceAccountRow(
                    service=self.service,
                    name=account.name,
                    password_hash=account.password_hash,
                    role=account.role,
                    comment=account.comment,
                    sealed_password=account.sealed_password,
                    created_at=_now(),
                )
            )

    async def delete(self, name: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ServiceAccountRow).where(
                    ServiceAccountRow.service == self.service, ServiceAccountRow.name == name
                )
            )


class CertificateStore:
    """Certificates and their keys."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def load(self) -> list[StoredCertificate]:
        """Every certificate, by id."""
        async with self._sessions() as session:
            rows = await session.scalars(select(CertificateRow).order_by(CertificateRow.cert_id))
            return [_to_stored(row) for row in rows.all()]

    async def get(self, cert_id: str) -> StoredCertificate | None:
        async with self._sessions() as session:
            row = await session.get(CertificateRow, cert_id)
            return None if row is None else _to_stored(row)

    async def save(self, stored: StoredCertificate) -> None:
        """Insert or replace a certificate."""
        await self.save_all([stored])

    async def save_all(self, certificates: list[StoredCertificate]) -> None:
        """Insert or replace certificates in one transaction."""
        async with self._sessions.begin() as session:
            for stored in certificates:
                await session.merge(_to_certificate_row(stored))

    async def delete(self, cert_id: str) -> None:
        async with self._sessions.begin() as session:
            await session.execute(delete(CertificateRow).where(CertificateRow.cert_id == cert_id))


def _to_service_account(row: ServiceAccountRow) -> ServiceAccount:
    return ServiceAccount(row.name, row.password_hash, row.role, row.comment, row.sealed_password)


def _to_certificate_row(stored: StoredCertificate) -> CertificateRow:
    return CertificateRow(
        cert_id=stored.cert_id,
        kind=stored.kind,
        certificate_pem=stored.certificate_pem,
        chain_pem=stored.chain_pem,
        private_key_pem=stored.private_key_pem,
        keystore=stored.keystore,
        is_preinstalled=stored.is_preinstalled,
        used_by=json.dumps(list(stored.used_by)),
        created_at=_now(),
    )


def _to_stored(row: CertificateRow) -> StoredCertificate:
    return StoredCertificate(
        cert_id=row.cert_id,
        kind="ca" if row.kind == "ca" else "client-server",
        certificate_pem=row.certificate_pem,
        chain_pem=row.chain_pem,
        private_key_pem=row.private_key_pem,
        keystore=_keystore(row.keystore),
        is_preinstalled=row.is_preinstalled,
        used_by=tuple(json.loads(row.used_by)),
    )


def _keystore(text: str) -> Keystore:
    for keystore in get_args(Keystore):
        if keystore == text:
            return cast(Keystore, keystore)
    return "software"


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
        language=account.language,
        created_at=_now(),
    )


def _to_account(row: AccountRow) -> Account:
    return Account(
        name=row.name,
        role=Role(row.role),
        hashes=PasswordHashes(row.password_hash, row.ha1_md5, row.ha1_sha256),
        is_first=row.is_first,
        language=row.language,
    )

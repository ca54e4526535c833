"""The mqtt service's tables: one JSON document per settings section, and the subscriptions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Boolean, Integer, MetaData, String, Text, delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.db import NAMING_CONVENTION
from actkit_mqtt.domain import Secrets
from actkit_proto import NotFound
from actkit_proto.mqtt import SubscriptionSpec

M = TypeVar("M", bound=BaseModel)


class MqttBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = MqttBase.metadata


class SectionRow(MqttBase):
    """A settings section (client, publication, home assistant, secrets) as JSON."""

    __tablename__ = "sections"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    document: Mapped[str] = mapped_column(Text)


class SubscriptionRow(MqttBase):
    __tablename__ = "subscriptions"

    subscription_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic_filter: Mapped[str] = mapped_column(String(1024))
    uses_device_prefix: Mapped[bool] = mapped_column(Boolean)
    is_stateful: Mapped[bool] = mapped_column(Boolean)
    qos: Mapped[int] = mapped_column(Integer)


class _SecretsDocument(BaseModel):
    password: str = ""
    client_key_pem: str = ""
    http_proxy_password: str = ""
    https_proxy_password: str = ""


class MqttStore:
    """Settings sections and subscriptions; written only when an installer changes them."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def section(self, name: str, model: type[M]) -> M:
        """The stored section, or the model's defaults."""
        async with self._sessions() as session:
            row = await session.get(SectionRow, name)
        return model.model_validate_json(row.document) if row else model()

    async def save_section(self, name: str, value: BaseModel) -> None:
        """Insert or replace a section."""
        async with self._sessions.begin() as session:
            await session.merge(SectionRow(name=name, document=value.model_dump_json()))

    async def reset(self) -> None:
        """Forget every section and subscription in one transaction: all defaults again."""
        async with self._sessions.begin() as session:
            await session.execute(delete(SectionRow))
            await session.execute(delete(SubscriptionRow))

    async def secrets(self) -> Secrets:
        """The write-only password and client key."""
        document = await self.section("secrets", _SecretsDocument)
        return Secrets(**document.model_dump())

    async def save_secrets(self, secrets: Secrets) -> None:
        """Replace the password and client key."""
        await self.save_section(
            "secrets",
            _SecretsDocument(**asdict(secrets)),
        )

    async def subscriptions(self) -> list[tuple[int, SubscriptionSpec]]:
        """Every subscription, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(SubscriptionRow).order_by(SubscriptionRow.subscription_id)
            )
            return [(row.subscription_id, _to_spec(row)) for row in rows]

    async def add_subscription(self, spec: SubscriptionSpec) -> int:
        """Store a new subscription; returns its id."""
        async with self._sessions.begin() as session:
            row = SubscriptionRow(
                topic_filter=spec.filter,
                uses_device_prefix=spec.uses_device_prefix,
                is_stateful=spec.is_stateful,
                qos=spec.qos,
            )
            session.add(row)
            await session.flush()
            return row.subscription_id

    async def replace_subscription(self, subscription_id: int, spec: SubscriptionSpec) -> None:
        """Replace a subscription.

        Raises:
            NotFound: there is no such subscription.
        """
        async with self._sessions.begin() as session:
            row = await session.get(SubscriptionRow, subscription_id)
            if row is None:
                raise NotFound(f"there is no subscription {subscription_id}")
            row.topic_filter = spec.filter
            row.uses_device_prefix = spec.uses_device_prefix
            row.is_stateful = spec.is_stateful
            row.qos = spec.qos

    async def remove_subscription(self, subscription_id: int) -> None:
        """Remove a subscription.

        Raises:
            NotFound: there is no such subscription.
        """
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(SubscriptionRow).where(SubscriptionRow.subscription_id == subscription_id)
            )
            if getattr(result, "rowcount", 0) == 0:
                raise NotFound(f"there is no subscription {subscription_id}")


def _to_spec(row: SubscriptionRow) -> SubscriptionSpec:
    return SubscriptionSpec(
        filter=row.topic_filter,
        uses_device_prefix=row.uses_device_prefix,
        is_stateful=row.is_stateful,
        qos=row.qos,
    )

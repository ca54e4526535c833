"""The mqtt service's tables: one JSON document per settings section, and the subscriptions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Boolean, Integer, MetaData, String, delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from actkit_core.db import NAMING_CONVENTION
from actkit_core.sections import SectionStore, section_table
from actkit_mqtt.domain import Secrets
from actkit_proto import NotFound
from actkit_proto.mqtt import ClientSettings, HomeAssistant, Publication, SubscriptionSpec


class MqttBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = MqttBase.metadata


SECTIONS = section_table(metadata, "sections", key_length=32)
"""The settings sections (client, publication, home assistant, secrets) as JSON."""


class SubscriptionRow(MqttBase):
    __tablename__ = "subscriptions"

    subscription_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic_filter: Mapped[str] = mapped_column(String(1024))
    uses_device_prefix: Mapped[bool] = mapped_column(Boolean)
    is_stateful: Mapped[bool] = mapped_column(Boolean)
    qos: Mapped[int] = mapped_column(Integer)


class _SecretsDocument(BaseModel):
    password: str = ""
    http_proxy_password: str = ""
    https_proxy_password: str = ""


class MqttStore(SectionStore):
    """Settings sections and subscriptions; written only when an installer changes them."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        super().__init__(
            sessions,
            SECTIONS,
            names={
                ClientSettings: "client",
                Publication: "publication",
                HomeAssistant: "homeassistant",
                _SecretsDocument: "secrets",
            },
        )

    async def reset(self) -> None:
        """Forget every section and subscription in one transaction: all defaults again."""
        async with self._sessions.begin() as session:
            await self.delete_all(session=session)
            await session.execute(delete(SubscriptionRow))

    async def secrets(self) -> Secrets:
        """The write-only password and the proxies' passwords."""
        document = await self.load(_SecretsDocument)
        return Secrets(**document.model_dump())

    async def save_secrets(self, secrets: Secrets) -> None:
        """Replace the write-only passwords."""
        await self.save(_SecretsDocument(**asdict(secrets)))

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

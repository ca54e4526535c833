"""A stand-in for the mqtt service's client and publication settings on a FakeBus."""

from __future__ import annotations

from dataclasses import dataclass, field

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.errors import Invalid
from actkit_proto.mqtt import (
    ChangePublication,
    ClientSettings,
    ClientStatus,
    ConnectionState,
    GetClientSettings,
    GetClientStatus,
    GetPublication,
    Publication,
    SetClientSettings,
    SetPublication,
)

from .serving import serve_methods

SERIAL = "ACCC8E012345"
"""The device's serial number, as the system service tells it in these tests."""


@dataclass
class FakeMqtt:
    """Keeps what is set, refuses to connect without a host, as the mqtt service does."""

    settings: ClientSettings = field(default_factory=ClientSettings)
    password: str = ""
    status: ClientStatus = field(
        default_factory=lambda: ClientStatus(state=ConnectionState.DISCONNECTED)
    )
    publication: Publication = field(default_factory=Publication)
    changes: list[SetClientSettings] = field(default_factory=list)

    async def install(self, bus: FakeBus) -> None:
        await serve_methods(
            bus,
            {
                GetClientSettings: self.get_settings,
                SetClientSettings: self.set_settings,
                GetClientStatus: self.get_status,
                GetPublication: self.get_publication,
                SetPublication: self.set_publication,
                ChangePublication: self.change_publication,
            },
        )

    async def get_settings(self, _command: GetClientSettings) -> ClientSettings:
        return self.settings

    async def set_settings(self, command: SetClientSettings) -> ClientSettings:
        self.changes.append(command)
        changes = {
            name: getattr(command, name)
            for name in command.model_fields_set
            if name not in ("actor", "password") and getattr(command, name) is not None
        }
        updated = self.settings.model_copy(update=changes)
        if updated.is_enabled and not updated.host:
            raise Invalid("host is required to connect: enter the broker's host name")
        if command.password is not None:
            self.password = command.password
        self.settings = updated.model_copy(update={"has_password": bool(self.password)})
        return self.settings

    async def get_status(self, _command: GetClientStatus) -> ClientStatus:
        """With the client id and prefix in use, the serial's unless configured, as mqtt tells."""
        return self.status.model_copy(
            update={
                "client_id": self.settings.client_id or f"actkit-{SERIAL}",
                "device_topic_prefix": self.settings.device_topic_prefix or f"axis/{SERIAL}",
            }
        )

    async def get_publication(self, _command: GetPublication) -> Publication:
        return self.publication

    async def set_publication(self, command: SetPublication) -> Publication:
        self.publication = command.publication
        return self.publication

    async def change_publication(self, command: ChangePublication) -> Publication:
        """The fields named, on the publication in force; a custom prefix must be given."""
        changes = command.model_dump(exclude_none=True, exclude={"actor"})
        changed = self.publication.model_copy(update=changes)
        if not changed.uses_default_prefix and not changed.custom_prefix:
            raise Invalid("custom topic prefix must not be empty")
        self.publication = changed
        return self.publication

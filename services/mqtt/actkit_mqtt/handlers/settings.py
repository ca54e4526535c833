"""The MQTT settings as plain-config parameters, and their restore to defaults."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from actkit_core.params import ParameterSpec
from actkit_core.section_params import Section, SectionParameters
from actkit_mqtt import domain
from actkit_mqtt.domain import Secrets, homeassistant
from actkit_mqtt.domain.publication import check_publication
from actkit_mqtt.handlers import demand
from actkit_mqtt.handlers.certificates import release_certificates
from actkit_mqtt.handlers.client import (
    apply_connection,
    send,
    set_client_settings,
    set_home_assistant,
    set_publication,
)
from actkit_mqtt.handlers.deps import Deps
from actkit_mqtt.params import FIELDS, Secret
from actkit_proto import Ack
from actkit_proto.mqtt import (
    ClientSettings,
    HomeAssistant,
    Publication,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
)
from actkit_proto.params import ParameterValue, RestoreSettings

_WRITE_ONLY = {"has_password"}


class MqttParameters:
    """The MQTT settings as parameters; a set is checked whole before anything is written.

    Every section a set touches is validated by its own model, the client part is gathered
    into one :class:`SetClientSettings` (a password needs a username set in the same go), and
    all of it is checked before the service's own set paths store and apply it.
    """

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._staged: dict[str, BaseModel] = {}
        state = deps.state

        def section(read: Callable[[], BaseModel], name: str) -> Section:
            async def read_now() -> BaseModel:
                return read()

            async def stage(model: BaseModel) -> None:
                self._staged[name] = model

            return Section(read_now, stage)

        self._fields = SectionParameters(
            FIELDS,
            {
                "client": section(lambda: state.settings, "client"),
                "connect_message": section(lambda: state.settings.connect_message,
                                           "connect_message"),
                "last_will": section(lambda: state.settings.last_will, "last_will"),
                "password": section(Secret, "password"),
                "publication": section(lambda: state.publication, "publication"),
                "homeassistant": section(lambda: state.home_assistant, "homeassistant"),
            },
        )  # fmt: skip

    @property
    def specs(self) -> Sequence[ParameterSpec]:
        return self._fields.specs

    async def values(self) -> Mapping[str, ParameterValue | None]:
        return await self._fields.values()

    async def apply(self, changes: Mapping[str, ParameterValue]) -> None:
        deps, state = self._deps, self._deps.state
        self._staged.clear()
        await self._fields.apply(changes)
        client = self._client_command()
        publication = self._staged.get("publication")
        home = self._staged.get("homeassistant")
        if client is not None:
            domain.apply_settings(state.settings, state.secrets, client)
        if isinstance(publication, Publication):
            check_publication(publication)
        if isinstance(home, HomeAssistant):
            domain.check_topic(home.discovery_prefix, "discovery prefix")
        if client is not None:
            await set_client_settings(client, deps)
        if isinstance(publication, Publication):
            await set_publication(SetPublication(publication=publication), deps)
        if isinstance(home, HomeAssistant):
            await set_home_assistant(SetHomeAssistant(settings=home), deps)

    def _client_command(self) -> SetClientSettings | None:
        staged, current = self._staged, self._deps.state.settings
        fields: dict[str, Any] = {}
        new = staged.get("client")
        if new is not None:
            # Only what changed: a new transport without a new port moves to its default.
            fields = {
                name: getattr(new, name)
                for name in ClientSettings.model_fields
                if name not in _WRITE_ONLY and getattr(new, name) != getattr(current, name)
            }
        for name in ("connect_message", "last_will"):
            if name in staged:
                fields[name] = staged[name]
        secret = staged.get("password")
        if isinstance(secret, Secret):
            fields["password"] = secret.value
        return SetClientSettings(**fields) if fields else None


async def restore_settings(_command: RestoreSettings, deps: Deps) -> Ack:
    """Client settings, secrets, publication, subscriptions and Home Assistant to defaults.

    None is on the manual's keep-list, so a restore and a factory default are alike. The store
    is emptied in one transaction first; then Home Assistant forgets the device's entities and
    the client disconnects (it is off by default).
    """
    await deps.store.reset()
    state = deps.state
    await release_certificates(state.settings, deps)
    if state.home_assistant.is_enabled and deps.broker.is_connected:
        send(deps, homeassistant.removal_messages(
            state.home_assistant, state.announced_ports, deps.serial))  # fmt: skip
    state.settings, state.secrets = ClientSettings(), Secrets()
    state.publication, state.home_assistant = Publication(), HomeAssistant()
    state.subscriptions, state.announced_ports = {}, []
    await demand.follow(deps)
    await apply_connection(deps)
    return Ack()

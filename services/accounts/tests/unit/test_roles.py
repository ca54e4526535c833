"""The role matrix: every command of the service against every role, from ``required_role``."""

import pytest

from actkit_accounts.handlers import HANDLERS, Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import BusError, Forbidden
from actkit_proto import accounts as messages
from actkit_proto.accounts import GetPrivileges
from actkit_proto.base import Actor, Command, Role
from actkit_proto.catalog import commands

SAMPLES: dict[type[Command], dict[str, object]] = {  # type: ignore[type-arg]
    messages.AddAccount: {"name": "someone", "password": "pw", "role": Role.VIEWER},
    messages.UpdateAccount: {"name": "someone"},
    messages.DeleteAccount: {"name": "someone"},
    messages.SetLanguage: {"language": "sv"},
    messages.CreateFirstAdministrator: {"name": "a", "password": "b", "accept_licence": True},
    messages.VerifyBasic: {"name": "a", "password": "b", "client_address": "c"},
    messages.CreateSession: {"name": "a", "password": "b", "client_address": "c"},
    messages.GetDigestChallenge: {"client_address": "c"},
    messages.VerifyDigest: {"method": "GET", "authorization": "x", "client_address": "c"},
    messages.VerifySession: {"token": "t"},
    messages.EndSession: {"token": "t"},
    messages.AddOnvifAccount: {"name": "o", "password": "pw", "role": "media"},
    messages.UpdateOnvifAccount: {"name": "none"},
    messages.DeleteOnvifAccount: {"name": "none"},
    messages.VerifyUsernameToken: {"username": "u", "password": "p", "client_address": "c"},
    messages.VerifyOnvifDigest: {
        "method": "GET",
        "authorization": "x",
        "uri": "/",
        "client_address": "c",
    },
    messages.SetSshEnabled: {"is_enabled": False},
    messages.AddSshAccount: {"name": "s", "password": "pw"},
    messages.UpdateSshAccount: {"name": "none"},
    messages.DeleteSshAccount: {"name": "none"},
    messages.InstallOsCertificate: {"certificate": "none"},
    messages.BeginOpenIdLogin: {"redirect_uri": "https://device/cb", "client_address": "c"},
    messages.CompleteOpenIdLogin: {"state": "s", "code": "c", "client_address": "c"},
    messages.GetCertificate: {"cert_id": "none"},
    messages.CreateSelfSignedCertificate: {
        "cert_id": "c",
        "common_name": "c",
        "key_type": "ecdsa-p256",
    },
    messages.CreateSigningRequest: {"cert_id": "none"},
    messages.ImportCertificate: {"cert_id": "none"},
    messages.DeleteCertificate: {"cert_id": "none"},
    messages.SetCertificateUse: {"cert_id": "none", "user": "u", "is_used": True},
    messages.SetWebCertificate: {"cert_id": "none"},
    messages.GetClientIdentity: {"cert_id": "none", "user": "mqtt"},
}
"""A valid body for each command that needs one, so the role check is what is tested."""

INTERNAL = {messages.GetWebServerIdentity, messages.GetClientIdentity} | {
    m for m in HANDLERS if issubclass(m, Command) and m.internal_for == messages.SIGN_IN
}
"""Refused to every person, administrators included: only the web (or MQTT) service asks, as
itself (the sign-in commands carry passwords and tokens for the person signing in)."""

SERVED = sorted(
    (m for m in HANDLERS if issubclass(m, Command) and m.owner() == "accounts"),
    key=lambda m: m.subject,
)


@pytest.mark.parametrize("command_type", SERVED, ids=lambda c: c.__name__)
async def test_each_command_is_refused_below_its_required_role_and_served_at_it(
    fake_bus: FakeBus,
    set_up: Deps,
    command_type: type[Command],  # type: ignore[type-arg]
) -> None:
    for role in Role:
        command = command_type(**SAMPLES.get(command_type, {}), actor=Actor(name="x", role=role))
        if command_type in INTERNAL:
            with pytest.raises(Forbidden, match="for services only, never for a person"):
                await fake_bus.request(command)
            continue
        if role < command_type.required_role:
            needed = command_type.required_role.name.lower()
            with pytest.raises(Forbidden, match=f"is {role.name.lower()}; this needs {needed}"):
                await fake_bus.request(command)
            continue
        try:
            await fake_bus.request(command)
        except Forbidden:
            pytest.fail(f"{role.name} was refused {command_type.__name__}")
        except BusError:
            pass  # allowed through; refusing the sample's contents is not a role matter


async def test_the_privilege_table_matches_every_required_role_of_the_contract(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    table = await fake_bus.request(GetPrivileges())
    assert [r.role for r in table.roles] == [Role.VIEWER, Role.OPERATOR, Role.ADMINISTRATOR]
    every = commands()
    for entry in table.roles:
        assert set(entry.subjects) == {c.subject for c in every if c.required_role <= entry.role}
    viewer, operator, administrator = table.roles
    assert "accounts.account.add" not in operator.subjects
    assert "accounts.account.add" in administrator.subjects
    assert "accounts.setup.get" in viewer.subjects
    assert administrator.description.startswith("Has full access to all settings")


async def test_anonymous_requests_without_an_actor_are_internal_and_trusted(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    assert (await fake_bus.request(GetPrivileges())).roles

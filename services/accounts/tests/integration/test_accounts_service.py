from pathlib import Path

import httpx
import pytest

from actkit_accounts.main import serve
from actkit_accounts.settings import AccountsSettings
from actkit_core.bus import Bus
from actkit_core.testing.plugin import running
from actkit_proto import Conflict, Unauthenticated
from actkit_proto.accounts import (
    AccessFailed,
    AddAccount,
    CreateFirstAdministrator,
    CreateSession,
    GetAuthSettings,
    GetBruteForceSettings,
    GetDigestChallenge,
    GetSetupState,
    SetAuthSettings,
    SetBruteForceSettings,
    VerifyBasic,
    VerifyDigest,
    VerifySession,
)
from actkit_proto.base import Role
from actkit_proto.params import RestoreScope, RestoreSettings

from ..conftest import CHEAP_ARGON2


def settings(nats_url: str, data_dir: Path) -> AccountsSettings:
    return AccountsSettings(nats_url=nats_url, data_dir=data_dir, metrics_port=0, **CHEAP_ARGON2)


async def test_first_run_then_basic_digest_and_session_over_the_bus(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    failures: list[AccessFailed] = []

    async def collect(event: AccessFailed) -> None:
        failures.append(event)

    await bus.subscribe(AccessFailed, collect)
    async with running(serve, settings(nats_server, tmp_path)):
        assert (await bus.request(GetSetupState())).is_setup_required
        await bus.request(CreateFirstAdministrator(name="root", password="pw", accept_licence=True))
        with pytest.raises(Conflict):
            await bus.request(
                CreateFirstAdministrator(name="root2", password="pw", accept_licence=True)
            )
        who = await bus.request(VerifyBasic(name="root", password="pw", client_address="::1"))
        assert who.role is Role.ADMINISTRATOR

        challenge = await bus.request(GetDigestChallenge(client_address="::1"))
        auth = httpx.DigestAuth("root", "pw")
        flow = auth.sync_auth_flow(httpx.Request("GET", "http://device/axis-cgi/param.cgi"))
        request = next(flow)
        request = flow.send(
            httpx.Response(
                401, headers={"WWW-Authenticate": challenge.www_authenticate()[0]}, request=request
            )
        )
        header = request.headers["Authorization"].removeprefix("Digest ")
        verified = await bus.request(
            VerifyDigest(method="GET", authorization=header, client_address="::1")
        )
        assert verified.name == "root"

        session = await bus.request(CreateSession(name="root", password="pw", client_address="::1"))
        assert (await bus.request(VerifySession(token=session.token))).identity.name == "root"
        with pytest.raises(Unauthenticated):
            await bus.request(VerifyBasic(name="root", password="no", client_address="::1"))
        await bus.client.flush()
    assert [(e.name, e.method) for e in failures] == [("root", "Basic")]


async def test_accounts_survive_a_restart(bus: Bus, nats_server: str, tmp_path: Path) -> None:
    async with running(serve, settings(nats_server, tmp_path)):
        await bus.request(CreateFirstAdministrator(name="root", password="pw", accept_licence=True))
        await bus.request(AddAccount(name="op", password="op-pw", role=Role.OPERATOR))
        await bus.request(SetAuthSettings(allow_anonymous_viewing=True))
        await bus.request(SetBruteForceSettings(blocking_period_s=42))
    async with running(serve, settings(nats_server, tmp_path)):
        assert not (await bus.request(GetSetupState())).is_setup_required
        who = await bus.request(VerifyBasic(name="op", password="op-pw", client_address="::1"))
        assert who.role is Role.OPERATOR
        assert (await bus.request(GetAuthSettings())).allow_anonymous_viewing
        assert (await bus.request(GetBruteForceSettings())).blocking_period_s == 42


async def test_factory_default_over_the_bus_lasts_across_a_restart(
    bus: Bus, nats_server: str, tmp_path: Path
) -> None:
    async with running(serve, settings(nats_server, tmp_path)):
        await bus.request(CreateFirstAdministrator(name="root", password="pw", accept_licence=True))
        await bus.request(SetAuthSettings(allow_anonymous_viewing=True))
        await bus.request(RestoreSettings(service="accounts", scope=RestoreScope.RESTORE))
        assert not (await bus.request(GetAuthSettings())).allow_anonymous_viewing
        assert not (await bus.request(GetSetupState())).is_setup_required
        await bus.request(RestoreSettings(service="accounts", scope=RestoreScope.FACTORY_DEFAULT))
    async with running(serve, settings(nats_server, tmp_path)):
        assert (await bus.request(GetSetupState())).is_setup_required

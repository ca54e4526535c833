import pytest

from actkit_accounts.adapters.sim import SimSsh
from actkit_accounts.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Invalid, NotFound
from actkit_proto.accounts import (
    AddOnvifAccount,
    AddSshAccount,
    DeleteOnvifAccount,
    DeleteSshAccount,
    GetSshAccounts,
    ListOnvifAccounts,
    SetSshEnabled,
    UpdateOnvifAccount,
    UpdateSshAccount,
)


def sim(deps: Deps) -> SimSsh:
    assert isinstance(deps.ssh, SimSsh)
    return deps.ssh


async def test_onvif_accounts_are_added_updated_listed_and_deleted(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(AddOnvifAccount(name="vms", password="pw", role="media"))
    await fake_bus.request(AddOnvifAccount(name="admin", password="pw", role="administrator"))
    await fake_bus.request(UpdateOnvifAccount(name="vms", role="operator"))
    listing = await fake_bus.request(ListOnvifAccounts())
    assert [(a.name, a.role) for a in listing.accounts] == [
        ("admin", "administrator"),
        ("vms", "operator"),
    ]
    with pytest.raises(Conflict, match="already exists"):
        await fake_bus.request(AddOnvifAccount(name="VMS", password="x", role="media"))
    await fake_bus.request(DeleteOnvifAccount(name="vms"))
    with pytest.raises(NotFound, match="no ONVIF account named 'vms'"):
        await fake_bus.request(DeleteOnvifAccount(name="vms"))
    with pytest.raises(Invalid, match="password"):
        await fake_bus.request(
            AddOnvifAccount.model_construct(name="n", password="x" * 65, role="media")
        )


async def test_ssh_accounts_reach_the_system_and_log_in_only_while_ssh_is_on(
    fake_bus: FakeBus, deps: Deps
) -> None:
    await fake_bus.request(AddSshAccount(name="service", password="s3cret", comment="installer"))
    assert not sim(deps).can_log_in("service", "s3cret")
    state = await fake_bus.request(SetSshEnabled(is_enabled=True))
    assert state.is_enabled
    assert [(a.name, a.comment) for a in state.accounts] == [("service", "installer")]
    assert sim(deps).can_log_in("service", "s3cret")
    await fake_bus.request(UpdateSshAccount(name="service", comment="changed"))
    assert sim(deps).can_log_in("service", "s3cret")
    await fake_bus.request(UpdateSshAccount(name="service", password="new"))
    assert not sim(deps).can_log_in("service", "s3cret")
    assert sim(deps).can_log_in("service", "new")
    assert (await fake_bus.request(GetSshAccounts())).accounts[0].comment == "changed"
    await fake_bus.request(DeleteSshAccount(name="service"))
    assert not sim(deps).can_log_in("service", "new")
    assert (await fake_bus.request(GetSshAccounts())).accounts == []


async def test_the_root_ssh_account_cannot_be_deleted(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(AddSshAccount(name="root", password="pw"))
    with pytest.raises(Conflict, match="root SSH account cannot be deleted"):
        await fake_bus.request(DeleteSshAccount(name="root"))


async def test_ssh_comments_are_printable_text(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Invalid, match="comment"):
        await fake_bus.request(
            AddSshAccount.model_construct(name="a", password="pw", comment="line\nbreak")
        )

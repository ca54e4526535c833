import asyncio

import pytest

from actkit_accounts.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Invalid, Unauthenticated
from actkit_proto.accounts import CreateFirstAdministrator, GetSetupState, VerifyBasic
from actkit_proto.base import Role

from ..conftest import ADMIN, ADMIN_PASSWORD


async def test_a_new_device_requires_setup_and_refuses_every_login(
    fake_bus: FakeBus, deps: Deps
) -> None:
    assert (await fake_bus.request(GetSetupState())).is_setup_required
    with pytest.raises(Unauthenticated, match="create the first administrator"):
        await fake_bus.request(VerifyBasic(name="root", password="x", client_address="10.0.0.2"))


async def test_the_first_administrator_ends_setup_and_can_log_in(
    fake_bus: FakeBus, deps: Deps
) -> None:
    identity = await fake_bus.request(
        CreateFirstAdministrator(name=ADMIN, password=ADMIN_PASSWORD, accept_licence=True)
    )
    assert (identity.name, identity.role) == (ADMIN, Role.ADMINISTRATOR)
    assert not (await fake_bus.request(GetSetupState())).is_setup_required
    who = await fake_bus.request(
        VerifyBasic(name=ADMIN, password=ADMIN_PASSWORD, client_address="10.0.0.2")
    )
    assert who == identity
    assert [a.name for a in await deps.store.load()] == [ADMIN]


async def test_the_first_administrator_is_created_only_once(fake_bus: FakeBus, deps: Deps) -> None:
    first = CreateFirstAdministrator(name=ADMIN, password=ADMIN_PASSWORD, accept_licence=True)
    await fake_bus.request(first)
    with pytest.raises(Conflict, match="already exists"):
        await fake_bus.request(first.model_copy(update={"name": "other"}))


async def test_two_concurrent_first_administrators_one_wins_the_other_gets_conflict(
    fake_bus: FakeBus, deps: Deps
) -> None:
    results = await asyncio.gather(
        *(
            fake_bus.request(
                CreateFirstAdministrator(name=name, password=ADMIN_PASSWORD, accept_licence=True)
            )
            for name in ("alice", "bob")
        ),
        return_exceptions=True,
    )
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "Identity"]
    assert len(await deps.store.load()) == 1


async def test_the_licence_must_be_accepted(fake_bus: FakeBus, deps: Deps) -> None:
    with pytest.raises(Invalid, match="licence"):
        await fake_bus.request(
            CreateFirstAdministrator(name=ADMIN, password=ADMIN_PASSWORD, accept_licence=False)
        )
    assert (await fake_bus.request(GetSetupState())).is_setup_required


@pytest.mark.parametrize("password", ["a", "x" * 64, " ~!", "A" + chr(32) + chr(126)])
async def test_passwords_of_1_to_64_printable_characters_are_accepted(
    fake_bus: FakeBus, deps: Deps, password: str
) -> None:
    await fake_bus.request(
        CreateFirstAdministrator(name=ADMIN, password=password, accept_licence=True)
    )
    await fake_bus.request(VerifyBasic(name=ADMIN, password=password, client_address="10.0.0.2"))


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "at least 1 character"),
        ("x" * 65, "at most 64 characters"),
        ("abc" + chr(31), "pattern"),
        ("abc" + chr(127), "pattern"),
        ("pässword", "pattern"),
    ],
)
async def test_passwords_outside_the_rules_are_refused(
    fake_bus: FakeBus, deps: Deps, password: str, problem: str
) -> None:
    with pytest.raises(Invalid, match=problem):
        await fake_bus.request(
            CreateFirstAdministrator.model_construct(
                name=ADMIN, password=password, accept_licence=True
            )
        )
    assert (await fake_bus.request(GetSetupState())).is_setup_required

import pytest
from pydantic import ValidationError

from actkit_accounts.domain.accounts import Account, PasswordHashes, check_can_demote_or_delete
from actkit_accounts.handlers import Deps
from actkit_core.testing.fake_bus import FakeBus
from actkit_proto import Conflict, Invalid, NotFound, Unauthenticated
from actkit_proto.accounts import (
    AccountsChanged,
    AddAccount,
    CreateSession,
    DeleteAccount,
    GetLanguage,
    ListAccounts,
    SetLanguage,
    UpdateAccount,
    VerifyBasic,
    VerifySession,
)
from actkit_proto.base import Actor, Role

from ..conftest import ADMIN, ADMIN_PASSWORD


def login(name: str, password: str) -> VerifyBasic:
    return VerifyBasic(name=name, password=password, client_address="10.0.0.5")


async def test_added_accounts_are_listed_by_name_and_can_log_in(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    await fake_bus.request(AddAccount(name="viewer1", password="v", role=Role.VIEWER))
    await fake_bus.request(AddAccount(name="op", password="o", role=Role.OPERATOR))
    listing = await fake_bus.request(ListAccounts())
    assert [(a.name, a.role, a.is_first) for a in listing.accounts] == [
        ("op", Role.OPERATOR, False),
        (ADMIN, Role.ADMINISTRATOR, True),
        ("viewer1", Role.VIEWER, False),
    ]
    assert listing.max_accounts == 100
    assert (await fake_bus.request(login("op", "o"))).role is Role.OPERATOR
    assert fake_bus.published == [AccountsChanged(names=["viewer1"]), AccountsChanged(names=["op"])]


async def test_account_names_are_unique_ignoring_case(fake_bus: FakeBus, set_up: Deps) -> None:
    with pytest.raises(Conflict, match="already exists"):
        await fake_bus.request(AddAccount(name="ROOT", password="x", role=Role.VIEWER))


async def test_a_101st_account_is_refused(fake_bus: FakeBus, set_up: Deps) -> None:
    for number in range(99):
        await fake_bus.request(AddAccount(name=f"u{number}", password="x", role=Role.VIEWER))
    with pytest.raises(Conflict, match="at most 100 accounts"):
        await fake_bus.request(AddAccount(name="one-too-many", password="x", role=Role.VIEWER))
    assert len((await fake_bus.request(ListAccounts())).accounts) == 100


@pytest.mark.parametrize("password", ["", "y" * 65, "tab\there", "del\x7f"])
async def test_added_accounts_obey_the_password_rules(
    fake_bus: FakeBus, set_up: Deps, password: str
) -> None:
    with pytest.raises(Invalid, match="password"):
        await fake_bus.request(
            AddAccount.model_construct(name="u", password=password, role=Role.VIEWER)
        )


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "naïve", "a:b"])
async def test_account_names_must_be_simple(fake_bus: FakeBus, set_up: Deps, name: str) -> None:
    with pytest.raises(Invalid, match="name"):
        await fake_bus.request(
            AddAccount.model_construct(name=name, password="x", role=Role.VIEWER)
        )


async def test_a_new_password_replaces_the_old_one_and_ends_sessions(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    await fake_bus.request(AddAccount(name="op", password="old", role=Role.OPERATOR))
    assert await fake_bus.request(login("op", "old"))
    session = await fake_bus.request(CreateSession(name="op", password="old", client_address="x"))
    await fake_bus.request(UpdateAccount(name="op", password="new"))
    with pytest.raises(Unauthenticated):
        await fake_bus.request(login("op", "old"))
    assert (await fake_bus.request(login("op", "new"))).role is Role.OPERATOR
    with pytest.raises(Unauthenticated):
        await fake_bus.request(VerifySession(token=session.token))


async def test_a_role_change_shows_in_the_next_session_check(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    await fake_bus.request(AddAccount(name="op", password="pw", role=Role.OPERATOR))
    session = await fake_bus.request(CreateSession(name="op", password="pw", client_address="x"))
    updated = await fake_bus.request(UpdateAccount(name="op", role=Role.ADMINISTRATOR))
    assert updated.role is Role.ADMINISTRATOR
    assert (await fake_bus.request(VerifySession(token=session.token))).identity == (
        await fake_bus.request(login("op", "pw"))
    )


async def test_the_first_administrator_can_be_neither_deleted_nor_demoted(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    await fake_bus.request(AddAccount(name="admin2", password="x", role=Role.ADMINISTRATOR))
    with pytest.raises(Conflict, match="first administrator and cannot be deleted"):
        await fake_bus.request(DeleteAccount(name=ADMIN))
    with pytest.raises(Conflict, match="cannot be given a lower role"):
        await fake_bus.request(UpdateAccount(name=ADMIN, role=Role.VIEWER))
    assert (await fake_bus.request(login(ADMIN, ADMIN_PASSWORD))).role is Role.ADMINISTRATOR


def test_the_last_administrator_stays_even_when_it_is_not_the_first() -> None:
    # Through the bus the first administrator always stays one; a restored or migrated
    # database may hold another shape, and the rule still keeps one administrator.
    hashes = PasswordHashes("argon2", "md5", "sha256")
    accounts = {
        "old": Account("old", Role.OPERATOR, hashes, is_first=True),
        "admin2": Account("admin2", Role.ADMINISTRATOR, hashes),
        "viewer": Account("viewer", Role.VIEWER, hashes),
    }
    with pytest.raises(Conflict, match="last administrator and cannot be deleted"):
        check_can_demote_or_delete(accounts, "admin2", deleting=True)
    with pytest.raises(Conflict, match="last administrator and cannot be given a lower role"):
        check_can_demote_or_delete(accounts, "admin2", deleting=False)
    check_can_demote_or_delete(accounts, "viewer", deleting=True)


async def test_a_deleted_account_can_no_longer_log_in(fake_bus: FakeBus, set_up: Deps) -> None:
    await fake_bus.request(AddAccount(name="gone", password="x", role=Role.ADMINISTRATOR))
    session = await fake_bus.request(CreateSession(name="gone", password="x", client_address="x"))
    await fake_bus.request(DeleteAccount(name="gone"))
    with pytest.raises(Unauthenticated):
        await fake_bus.request(login("gone", "x"))
    with pytest.raises(Unauthenticated):
        await fake_bus.request(VerifySession(token=session.token))
    assert [a.name for a in await set_up.store.load()] == [ADMIN]


async def test_unknown_accounts_are_not_found(fake_bus: FakeBus, set_up: Deps) -> None:
    with pytest.raises(NotFound, match="no account named 'ghost'"):
        await fake_bus.request(DeleteAccount(name="ghost"))
    with pytest.raises(NotFound):
        await fake_bus.request(UpdateAccount(name="ghost", role=Role.VIEWER))


async def test_an_account_keeps_its_own_language_and_no_one_elses(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    await fake_bus.request(AddAccount(name="viewer1", password="v", role=Role.VIEWER))
    viewer = Actor(name="viewer1", role=Role.VIEWER)
    assert (await fake_bus.request(GetLanguage(actor=viewer))).language is None
    assert (await fake_bus.request(SetLanguage(language="sv", actor=viewer))).language == "sv"
    assert (await fake_bus.request(GetLanguage(actor=viewer))).language == "sv"
    assert (
        await fake_bus.request(GetLanguage(actor=Actor(name=ADMIN, role=Role.ADMINISTRATOR)))
    ).language is None
    assert set_up.accounts["viewer1"].language == "sv"
    assert [a.language for a in await set_up.store.load() if a.name == "viewer1"] == ["sv"]


async def test_a_language_without_an_account_or_of_another_shape_is_refused(
    fake_bus: FakeBus, set_up: Deps
) -> None:
    with pytest.raises(Invalid, match="per account"):
        await fake_bus.request(SetLanguage(language="sv"))
    with pytest.raises(NotFound, match="no account"):
        await fake_bus.request(
            SetLanguage(language="sv", actor=Actor(name="anonymous", role=Role.VIEWER))
        )
    with pytest.raises(ValidationError):
        SetLanguage(language="svenska", actor=Actor(name=ADMIN, role=Role.ADMINISTRATOR))
    assert set_up.accounts[ADMIN].language is None

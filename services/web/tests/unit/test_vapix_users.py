"""VAPIX pwdgrp.cgi and usergroup.cgi: the first administrator, accounts and groups."""

import httpx

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.accounts import CreateFirstAdministrator

from ..conftest import basic
from ..fake_accounts import FakeAccounts

ADMIN = basic("admin")


async def test_pwdgrp_creates_the_first_administrator_without_credentials(
    client: httpx.AsyncClient, accounts: FakeAccounts, fake_bus: FakeBus
) -> None:
    accounts.is_setup_required = True
    response = await client.post(
        "/axis-cgi/pwdgrp.cgi",
        content=b"action=add&user=root&pwd=pass&grp=root&sgrp=admin:operator:viewer",
        headers={"Content-Type": "text/plain"},
    )
    assert response.status_code == 200
    created = [c for c in fake_bus.sent if isinstance(c, CreateFirstAdministrator)]
    assert [(c.name, c.password, c.actor) for c in created] == [("root", "pass", None)]
    again = await client.post(
        "/axis-cgi/pwdgrp.cgi",
        content=b"action=add&user=evil&pwd=pass&grp=root&sgrp=admin:operator:viewer",
        headers={"Content-Type": "text/plain"},
    )
    assert again.status_code == 401


async def test_usergroup_tells_the_callers_groups(client: httpx.AsyncClient) -> None:
    response = await client.get("/axis-cgi/usergroup.cgi", headers=basic("op"))
    assert response.text == "op\nop operator viewer\n"


async def test_pwdgrp_lists_groups_and_manages_accounts(
    client: httpx.AsyncClient, fake_bus: FakeBus
) -> None:
    text_plain = {**ADMIN, "Content-Type": "text/plain"}
    groups = await client.post("/axis-cgi/pwdgrp.cgi", content=b"action=get", headers=text_plain)
    assert groups.text.splitlines() == [
        'admin="admin"',
        'operator="admin,op"',
        'viewer="admin,op,view"',
        'ptz=""',
        'users="op,view"',
    ]
    added = await client.post(
        "/axis-cgi/pwdgrp.cgi",
        content=b"action=add&user=op2&pwd=pw&grp=users&sgrp=viewer:operator&comment=",
        headers=text_plain,
    )
    assert added.status_code == 200
    updated = await client.post(
        "/axis-cgi/pwdgrp.cgi",
        content=b"action=update&user=op2&sgrp=viewer:operator:admin",
        headers=text_plain,
    )
    assert updated.status_code == 200
    removed = await client.post(
        "/axis-cgi/pwdgrp.cgi", content=b"action=remove&user=op2", headers=text_plain
    )
    assert removed.status_code == 200
    sent = [type(c).__name__ for c in fake_bus.sent if type(c).__name__.endswith("Account")]
    assert sent == ["AddAccount", "UpdateAccount", "DeleteAccount"]


async def test_pwdgrp_refuses_groups_it_does_not_know(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/axis-cgi/pwdgrp.cgi",
        content=b"action=add&user=x&pwd=pw&grp=users&sgrp=wizard",
        headers={**ADMIN, "Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert "sgrp 'wizard'" in response.text

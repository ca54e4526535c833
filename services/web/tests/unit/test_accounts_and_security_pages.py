"""The Accounts and Security pages against a stand-in accounts service."""

import httpx

from ..fake_accounts import PASSWORDS, FakeAccounts


async def _log_in(client: httpx.AsyncClient, name: str = "admin") -> str:
    login = await client.post("/api/v1/session", json={"name": name, "password": PASSWORDS[name]})
    return str(login.json()["csrf_token"])


async def test_adding_an_account_shows_the_owners_refusal_next_to_the_name(
    client: httpx.AsyncClient,
) -> None:
    csrf = await _log_in(client)
    response = await client.post(
        "/system/accounts",
        data={
            "name": "op",
            "password": "pw",
            "password_again": "pw",
            "role": "1",
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 400
    assert 'id="add-name-error">an account named &#39;op&#39; already exists' in response.text


async def test_adding_an_account_checks_the_name_against_the_contract(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await _log_in(client)
    response = await client.post(
        "/system/accounts",
        data={"name": "a b", "password": "pw", "password_again": "pw", "csrf_token": csrf},
    )
    assert 'id="add-name-error">String should match pattern' in response.text
    assert "a b" not in accounts.passwords


async def test_an_account_is_added_changed_and_deleted_from_the_page(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await _log_in(client)
    added = await client.post(
        "/system/accounts",
        data={
            "name": "op2",
            "password": "pw",
            "password_again": "pw",
            "role": "2",
            "csrf_token": csrf,
        },
    )
    assert added.status_code == 303
    page = await client.get("/system/accounts")
    assert 'id="account-op2"' in page.text
    await client.post("/system/accounts/op2", data={"role": "3", "csrf_token": csrf})
    assert accounts.roles["op2"] == 3
    await client.post("/system/accounts/op2/delete", data={"csrf_token": csrf})
    assert "op2" not in accounts.passwords


async def test_brute_force_settings_refuse_a_period_that_is_not_a_number(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await _log_in(client)
    response = await client.post(
        "/system/security/brute-force",
        data={"blocking_period_s": "soon", "failures_per_page": "20", "csrf_token": csrf},
    )
    assert response.status_code == 400
    assert 'id="blocking_period_s-error">Input should be a valid integer' in response.text
    assert accounts.brute_force.blocking_period_s == 10


async def test_the_menu_shows_the_system_pages_to_administrators_only(
    client: httpx.AsyncClient,
) -> None:
    await _log_in(client, "op")
    page = await client.get("/status")
    assert 'href="/accessories"' in page.text
    assert 'href="/system/accounts"' not in page.text
    refused = await client.get("/system/accounts")
    assert refused.status_code == 403

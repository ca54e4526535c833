import httpx

from ..fake_accounts import FakeAccounts
from ..fake_io import FakeIo


async def test_pages_send_people_to_setup_while_no_account_exists(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    accounts.is_setup_required = True
    response = await client.get("/status")
    assert response.status_code == 303
    assert response.headers["location"] == "/setup"


async def test_pages_send_people_to_log_in_once_set_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/accessories")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/accessories"


async def test_setup_form_shows_the_owners_error_next_to_the_field(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    accounts.is_setup_required = True
    response = await client.post(
        "/setup", data={"name": "root", "password": "pw", "password_again": "pw"}
    )
    assert response.status_code == 400
    assert 'id="accept_licence-error">the license agreement must be accepted' in response.text
    assert accounts.is_setup_required


async def test_setup_form_refuses_two_different_passwords(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    accounts.is_setup_required = True
    response = await client.post(
        "/setup",
        data={"name": "root", "password": "a", "password_again": "b", "accept_licence": "true"},
    )
    assert 'id="password_again-error"' in response.text
    assert accounts.is_setup_required


async def test_setup_creates_the_administrator_and_logs_in(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    accounts.is_setup_required = True
    response = await client.post(
        "/setup",
        data={
            "name": "root",
            "password": "pass",
            "password_again": "pass",
            "accept_licence": "true",
        },
    )
    assert response.status_code == 303
    assert not accounts.is_setup_required
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "SameSite=strict" in cookie
    status = await client.get("/status")
    assert status.status_code == 200
    assert "root (administrator)" in status.text


async def test_login_with_a_wrong_password_shows_why(client: httpx.AsyncClient) -> None:
    response = await client.post("/login", data={"name": "admin", "password": "nope"})
    assert response.status_code == 401
    assert "wrong user name or password" in response.text


async def test_login_only_redirects_within_the_site(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/login", data={"name": "admin", "password": "secret", "next": "//evil.example/"}
    )
    assert response.headers["location"] == "/status"


async def test_a_cookie_change_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient,
) -> None:
    login = await client.post("/api/v1/session", json={"name": "op", "password": "operate"})
    assert login.status_code == 201
    csrf = login.json()["csrf_token"]
    refused = await client.put("/api/v1/ports/2/state", json={"is_active": True})
    assert refused.status_code == 403
    accepted = await client.put(
        "/api/v1/ports/2/state", json={"is_active": True}, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 200
    assert accepted.json()["is_active"] is True


async def test_a_form_carries_its_csrf_token_in_a_field(client: httpx.AsyncClient) -> None:
    await client.post("/login", data={"name": "op", "password": "operate"})
    refused = await client.post("/accessories/2/state", data={"is_active": "true"})
    assert refused.status_code == 403
    page = await client.get("/accessories")
    assert 'name="csrf_token" value="csrf-token-0"' in page.text
    accepted = await client.post(
        "/accessories/2/state", data={"is_active": "true", "csrf_token": "csrf-token-0"}
    )
    assert accepted.status_code == 303


async def test_logging_out_ends_the_session(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    login = await client.post("/api/v1/session", json={"name": "admin", "password": "secret"})
    csrf = login.json()["csrf_token"]
    response = await client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 204
    assert accounts.sessions == {}
    assert (await client.get("/api/v1/session")).status_code == 401


async def test_a_port_setting_the_contract_refuses_is_shown_next_to_its_field(
    client: httpx.AsyncClient, io: FakeIo
) -> None:
    login = await client.post("/api/v1/session", json={"name": "admin", "password": "secret"})
    csrf = login.json()["csrf_token"]
    response = await client.post(
        "/accessories/2/configure", data={"debounce_ms": "soon", "csrf_token": csrf}
    )
    assert response.status_code == 400
    assert "Input should be a valid integer" in response.text.split('id="config-2-debounce_ms"')[1]
    saved = await client.post(
        "/accessories/2/configure",
        data={"name": "Lamp", "direction": "output", "debounce_ms": "20", "csrf_token": csrf},
    )
    assert saved.status_code == 303
    assert (io.ports[2].name, io.ports[2].debounce_ms) == ("Lamp", 20)

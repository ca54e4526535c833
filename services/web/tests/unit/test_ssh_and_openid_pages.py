"""Accounts > SSH accounts and OpenID, and logging in with OpenID, against stand-in accounts."""

from __future__ import annotations

import httpx

from actkit_proto.accounts import OpenIdSettings

from ..conftest import basic, log_in
from ..fake_accounts import FakeAccounts


async def test_ssh_accounts_are_added_changed_and_root_stays(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    page = await client.get("/system/ssh")
    assert 'id="account-root"' in page.text
    assert 'action="/system/ssh/accounts/root/delete"' not in page.text
    added = await client.post(
        "/system/ssh/accounts",
        data={"name": "tech", "password": "s3cret", "comment": "service", "csrf_token": csrf},
    )
    assert added.status_code == 303
    assert accounts.ssh_openid.ssh_passwords["tech"] == "s3cret"
    enabled = await client.post(
        "/system/ssh/enabled", data={"is_enabled": "true", "csrf_token": csrf}
    )
    assert enabled.status_code == 303
    assert accounts.ssh_openid.is_ssh_enabled
    again = await client.post(
        "/system/ssh/accounts",
        data={"name": "tech", "password": "other", "comment": "night", "csrf_token": csrf},
    )
    assert again.status_code == 400 and accounts.ssh_openid.ssh_passwords["tech"] == "s3cret"
    assert 'id="add-name-error">an SSH account named &#39;tech&#39; already exists' in again.text
    assert 'id="ssh-comment" name="comment" maxlength="256" value="night"' in again.text
    assert 'value="other"' not in again.text, "never a password"
    refused = await client.post("/system/ssh/accounts/root/delete", data={"csrf_token": csrf})
    assert refused.status_code == 400
    assert "the root SSH account cannot be deleted" in refused.text
    listed = (await client.get("/api/v1/ssh", headers=basic("admin"))).json()
    assert listed["is_enabled"] is True
    assert {"name": "tech", "comment": "service", "login_name": "ssh-tech"} in listed["accounts"]
    assert "s3cret" not in str(listed)


async def test_the_openid_client_secret_goes_in_and_never_comes_back(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    saved = await client.post(
        "/system/openid/openid",
        data={
            "provider_url": "https://id.example/.well-known/openid-configuration",
            "client_id": "kit",
            "client_secret": "oidc-secret",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 303, saved.text
    assert accounts.ssh_openid.client_secret == "oidc-secret"
    page = await client.get("/system/openid")
    assert "oidc-secret" not in page.text
    authorities = page.text.split('<select id="openid-ca_certificate" name="ca_certificate">')[1]
    assert 'value="isrg-root-x1"' in authorities.split("</select>")[0]
    assert 'id="openid-redirect-uri">https://device/login/openid/callback<' in page.text
    read = (await client.get("/api/v1/openid", headers=basic("admin"))).json()
    assert read["has_client_secret"] is True
    assert "client_secret" not in read
    refused = await client.patch(
        "/api/v1/openid",
        json={"is_enabled": True, "provider_url": "http://plain"},
        headers=basic("admin"),
    )
    assert refused.status_code == 400
    assert not accounts.ssh_openid.openid.is_enabled


async def test_logging_in_with_openid_opens_a_session_with_the_claimed_role(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    login = await client.get("/login")
    assert 'href="/login/openid"' in login.text
    off = await client.get("/login/openid")
    assert off.status_code == 401
    assert "OpenID is off" in off.text

    accounts.ssh_openid.openid = OpenIdSettings(is_enabled=True, provider_url="https://id.example")
    started = await client.get("/login/openid")
    assert started.status_code == 303
    assert started.headers["location"].startswith(
        "https://provider.example/authorize?state=state-0"
    )
    assert "redirect_uri=https://device/login/openid/callback" in started.headers["location"]
    state_cookie = started.headers["set-cookie"]
    assert "actkit_openid_state=state-0" in state_cookie
    assert "SameSite=lax" in state_cookie and "HttpOnly" in state_cookie

    # Another browser's state (a login forced on this one) is refused before accounts is asked.
    stranger = await client.get(
        "/login/openid/callback", params={"state": "state-9", "code": "good"}
    )
    assert stranger.status_code == 401
    assert "not started in this browser" in stranger.text
    done = await client.get("/login/openid/callback", params={"state": "state-0", "code": "good"})
    assert done.status_code == 200
    assert 'http-equiv="refresh" content="0; url=/status"' in done.text
    status = await client.get("/status")
    assert status.status_code == 200
    assert "oidc-user (operator)" in status.text
    assert (
        await client.post("/logout", data={"csrf_token": "csrf-openid-state-0"})
    ).status_code == 303
    assert (await client.get("/status")).status_code == 303


async def test_a_provider_refusal_and_a_bad_code_are_shown_on_the_login_page(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    accounts.ssh_openid.openid = OpenIdSettings(is_enabled=True, provider_url="https://id.example")
    await client.get("/login/openid")
    denied = await client.get("/login/openid/callback", params={"error": "access_denied"})
    assert denied.status_code == 401
    assert "the OpenID provider refused the login (access_denied)" in denied.text
    bad = await client.get("/login/openid/callback", params={"state": "state-0", "code": "forged"})
    assert bad.status_code == 401
    assert "the OpenID login failed" in bad.text
    assert (await client.get("/status")).status_code == 303

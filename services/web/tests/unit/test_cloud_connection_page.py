"""System > Network's cloud connection: its certificates from the store, its state and key."""

from __future__ import annotations

import httpx

from ..conftest import log_in
from ..fake_accounts import FakeAccounts
from ..fake_settings import FakeSettings


async def test_an_administrator_sees_the_owner_authentication_key_and_why_not_linked(
    client: httpx.AsyncClient, owners: FakeSettings, accounts: FakeAccounts
) -> None:
    await log_in(client)
    page = (await client.get("/system/network")).text
    status = page.split('id="o3c-status"')[1].split("</section>")[0]
    assert "ABCD-EFGH-JKLM-NPQR" in status
    assert "Not linked to HQ: One-click: press the control button to connect" in status
    form = page.split('id="o3c-client_certificate"')[1].split("</select>")[0]
    assert 'value="web-https"' in form


async def test_an_operator_sees_no_key(
    client: httpx.AsyncClient, owners: FakeSettings, accounts: FakeAccounts
) -> None:
    await log_in(client, "op")
    page = (await client.get("/system/network")).text
    assert 'id="o3c-status"' not in page and "ABCD-EFGH-JKLM-NPQR" not in page

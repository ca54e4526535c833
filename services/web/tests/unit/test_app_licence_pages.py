"""Apps' licences on the Apps page's context menu and over REST, against the stand-in."""

from __future__ import annotations

import html

import httpx

from ..conftest import basic, log_in
from ..fake_apps import FakeApps

ADMIN = basic("admin")


async def test_a_licence_is_activated_with_a_key_or_automatically_and_deactivated_over_rest(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    url = "/api/v1/apps/view/licence-key"
    refused = await client.put(url, json={"key": "OTHER-KEY"}, headers=ADMIN)
    assert (refused.status_code, refused.json()["detail"]) == (
        400,
        "the licence key is for the device ACCC8E000001, not this one",
    )
    unknown = await client.put(url, json={"key": "GOOD-KEY", "serial": "x"}, headers=ADMIN)
    assert unknown.status_code == 422
    assert apps.apps["view"].is_licensed is False
    activated = await client.put(url, json={"key": "GOOD-KEY"}, headers=ADMIN)
    assert (activated.status_code, activated.json()["app"]["is_licensed"]) == (200, True)

    removed = await client.delete(url, headers=ADMIN)
    assert removed.json()["app"]["is_licensed"] is False
    fetched = await client.post(f"{url}/fetch", json={"licence_code": "CODE-1"}, headers=ADMIN)
    assert fetched.json()["app"]["is_licensed"] is True
    apps.settings = apps.settings.model_copy(update={"licence_server_url": None})
    await client.delete(url, headers=ADMIN)
    nowhere = await client.post(f"{url}/fetch", json={"licence_code": "CODE-1"}, headers=ADMIN)
    assert (nowhere.status_code, nowhere.json()["detail"]) == (
        503,
        "no licence server is set for this device",
    )
    assert apps.apps["view"].is_licensed is False
    operator = await client.put(url, json={"key": "GOOD-KEY"}, headers=basic("op"))
    assert operator.status_code == 403


async def test_the_context_menu_activates_and_deactivates_a_licence(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    await log_in(client)
    page = await client.get("/apps")
    assert 'id="app-view-licence-state">Needs a licence to start<' in page.text
    for entry in (
        ">Activate license with a key<",
        ">Activate license automatically<",
        ">Deactivate the license<",
    ):
        assert entry in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    refused = await client.post("/apps/view/licence-key", data={"csrf_token": token, "key": "x"})
    assert refused.status_code == 400
    assert "for the device ACCC8E000001, not this one" in html.unescape(refused.text)
    form = {"csrf_token": token, "key": "GOOD-KEY"}
    activated = await client.post("/apps/view/licence-key", data=form)
    assert "The licence of view is active." in activated.text
    assert 'id="app-view-licence-state">Licensed<' in activated.text
    removed = await client.post("/apps/view/licence-key/delete", data={"csrf_token": token})
    assert "The licence of view is deactivated and removed." in removed.text
    code = {"csrf_token": token, "licence_code": "WRONG"}
    wrong = await client.post("/apps/view/licence-key/fetch", data=code)
    assert "the licence server refused (403): unknown code" in html.unescape(wrong.text)
    fetched = await client.post(
        "/apps/view/licence-key/fetch", data=code | {"licence_code": "CODE-1"}
    )
    assert apps.apps["view"].is_licensed is True
    assert fetched.status_code == 200


async def test_the_licence_server_is_set_with_the_trust_settings_and_a_viewer_sees_no_menu(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    token = await log_in(client)
    page = await client.get("/apps")
    assert 'value="https://licences.example/keys"' in page.text
    form = {"csrf_token": token, "public_keys": "", "licence_server_url": "ftp://x"}
    wrong = await client.post("/apps-settings", data=form)
    assert wrong.status_code == 400
    assert 'id="apps-licence-server-error">String should match pattern' in html.unescape(wrong.text)
    saved = await client.post("/apps-settings", data=form | {"licence_server_url": ""})
    assert saved.status_code == 200
    assert apps.settings.licence_server_url is None
    url = "http://127.0.0.1:8099/keys"
    await client.post("/apps-settings", data=form | {"licence_server_url": url})
    assert apps.settings.licence_server_url == url

    viewer = httpx.AsyncClient(transport=client._transport, base_url=client.base_url)
    async with viewer:
        await log_in(viewer, "view")
        seen = await viewer.get("/apps")
    assert 'id="app-view-licence-state"' in seen.text
    assert "Activate license with a key" not in seen.text

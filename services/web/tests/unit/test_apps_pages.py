"""The Apps page and its REST routes, against a stand-in for the system service's apps."""

from __future__ import annotations

import html
import json

import httpx

from ..conftest import basic, log_in
from ..fake_apps import FakeApps

ADMIN = basic("admin")


async def test_an_app_is_uploaded_in_pieces_installed_started_and_deleted_over_rest(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    archive = b"a" * 300 + b"b" * 200
    for offset in (0, 300):
        piece = await client.put(
            "/api/v1/apps/upload",
            params={"upload_id": "up-00001", "offset": offset},
            content=archive[offset : offset + 300],
            headers=ADMIN,
        )
        assert piece.status_code == 200, piece.text
    assert piece.json()["received_bytes"] == 500
    assert apps.uploads["up-00001"] == archive
    package = {"manifest": json.dumps({"name": "trip-log"}), "upload_id": "up-00001"}
    installed = await client.post("/api/v1/apps", json=package, headers=ADMIN)
    assert installed.status_code == 201, installed.text
    assert installed.json()["app"]["name"] == "trip-log"

    started = await client.post("/api/v1/apps/trip-log/start", headers=ADMIN)
    assert started.json()["app"]["is_running"] is True
    log = await client.get("/api/v1/apps/trip-log/log", headers=ADMIN)
    assert (log.text, log.headers["content-disposition"]) == (
        "trip-log started\n",
        'attachment; filename="trip-log.log"',
    )
    assert (await client.get("/api/v1/apps/trip-log/licence", headers=ADMIN)).text == "MIT"
    deleted = await client.delete("/api/v1/apps/trip-log", headers=ADMIN)
    assert [app["name"] for app in deleted.json()["apps"]] == ["view"]


async def test_refusals_come_back_as_sentences(client: httpx.AsyncClient, apps: FakeApps) -> None:
    unknown = await client.post("/api/v1/apps/nothing/start", headers=ADMIN)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "no app nothing is installed"})
    gap = await client.put(
        "/api/v1/apps/upload",
        params={"upload_id": "up-00001", "offset": 10},
        content=b"x",
        headers=ADMIN,
    )
    assert (gap.status_code, gap.json()["detail"]) == (409, "upload up-00001 has 5 bytes")
    extra = {"manifest": "{}", "upload_id": "up-00001", "archive": "x"}
    refused = await client.post("/api/v1/apps", json=extra, headers=ADMIN)
    assert refused.status_code == 422
    operator = await client.post("/api/v1/apps/view/start", headers=basic("op"))
    assert operator.status_code == 403


async def test_the_apps_page_lists_switches_and_offers_adding_to_an_administrator(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    await log_in(client)
    page = await client.get("/apps")
    assert page.status_code == 200
    assert 'id="app-view-switch"' in page.text
    assert '<a href="/apps/view/" id="app-view-page">' in page.text
    assert 'id="add-app"' in page.text
    assert "performance might be affected if you run several apps" in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    started = await client.post("/apps/view/start", data={"csrf_token": token})
    assert 'id="apps-done">view started.' in html.unescape(started.text)
    assert apps.apps["view"].should_run is True
    saved = await client.post(
        "/apps-settings", data={"csrf_token": token, "allow_unsigned": "true", "public_keys": ""}
    )
    assert saved.status_code == 200
    assert apps.settings.allow_unsigned is True
    missing = await client.post("/apps/nothing/delete", data={"csrf_token": token})
    assert missing.status_code == 400
    assert "no app nothing is installed" in html.unescape(missing.text)


async def test_a_viewer_sees_the_apps_but_no_switch(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    await log_in(client, "view")
    page = await client.get("/apps")
    assert page.status_code == 200
    assert 'id="app-view"' in page.text
    assert 'id="app-view-switch"' not in page.text
    assert 'id="add-app"' not in page.text


async def test_status_says_whether_unsigned_apps_are_allowed(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    await log_in(client, "view")
    assert 'id="unsigned-apps">Not allowed<' in (await client.get("/status")).text
    apps.settings = apps.settings.model_copy(update={"allow_unsigned": True})
    assert 'id="unsigned-apps">Allowed: apps are installed' in (await client.get("/status")).text


async def test_the_administrator_approves_the_checked_bus_subjects_on_the_page(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    await log_in(client)
    page = await client.get("/apps")
    assert 'id="app-view-subjects-menu"' in page.text
    assert 'value="io.port.*.set" id="app-view-publish-1"  >' in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    approved = await client.post(
        "/apps/view/subjects", data={"csrf_token": token, "publish": "io.port.*.set"}
    )
    assert "view may use the checked bus subjects, and no other." in html.unescape(approved.text)
    assert apps.apps["view"].approved_subjects.publish == ["io.port.*.set"]
    assert 'value="io.port.*.set" id="app-view-publish-1" checked' in approved.text
    nothing = await client.post("/apps/view/subjects", data={"csrf_token": token})
    assert nothing.status_code == 200
    assert apps.apps["view"].approved_subjects.publish == []


async def test_subjects_are_approved_over_rest_and_one_not_asked_for_refused(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    body = {"publish": [], "subscribe": ["io.port.*.changed"]}
    approved = await client.put("/api/v1/apps/view/subjects", json=body, headers=ADMIN)
    assert approved.json()["app"]["approved_subjects"] == body
    wider = {"publish": ["io.>"], "subscribe": []}
    refused = await client.put("/api/v1/apps/view/subjects", json=wider, headers=ADMIN)
    assert (refused.status_code, refused.json()["detail"]) == (
        400,
        "view does not ask for 'io.>'",
    )
    extra = await client.put(
        "/api/v1/apps/view/subjects", json={**body, "request": []}, headers=ADMIN
    )
    assert extra.status_code == 422


async def test_a_viewer_sees_the_subjects_asked_but_cannot_approve(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    await log_in(client, "view")
    page = await client.get("/apps")
    assert 'value="io.port.*.changed" id="app-view-subscribe-1"  disabled>' in page.text
    assert 'id="app-view-subjects-approve"' not in page.text


async def test_a_refused_trust_setting_is_shown_beside_its_field_with_the_form_as_sent(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    token = await log_in(client)
    before = apps.settings
    sent = {"public_keys": "not a key", "licence_server_url": "https://keys.example/new"}
    owner = await client.post(
        "/apps-settings", data={**sent, "allow_unsigned": "true", "csrf_token": token}
    )
    assert owner.status_code == 400 and apps.settings == before
    page = html.unescape(owner.text)
    assert (
        '<textarea name="public_keys" rows="6" id="apps-public-keys">not a key</textarea></label>\n'
        '  <p class="error" id="apps-public-keys-error">give PEM public keys '
        "(-----BEGIN PUBLIC KEY-----)</p>"
    ) in page, "the owner's sentence right after the keys, without the field's name"
    assert 'value="true" id="apps-allow-unsigned" checked>' in page
    assert 'id="apps-licence-server" value="https://keys.example/new"' in page
    assert 'id="apps-error"' not in page, "nothing above the page"

    crafted = await client.post(
        "/apps-settings",
        data={"allow_unsigned": "maybe", "licence_server_url": "ftp://x", "csrf_token": token},
    )
    assert crafted.status_code == 400 and apps.settings == before
    assert 'id="apps-allow-unsigned-error">Input should be a valid boolean' in crafted.text
    assert 'id="apps-licence-server-error">String should match pattern' in crafted.text
    assert 'id="apps-licence-server" value="ftp://x"' in crafted.text

"""Open: an app's settings form made from its JSON Schema, and its REST route (the stand-in)."""

from __future__ import annotations

import html
from typing import Any

import httpx
import pytest

from actkit_proto.errors import Invalid
from actkit_web.pages.app_form import form_of, values_of

from ..conftest import basic, log_in
from ..fake_apps import SCHEMA, FakeApps

ADMIN = basic("admin")


def test_the_form_offers_strings_numbers_booleans_and_enums_and_lists_the_rest() -> None:
    fields, left_out = form_of(SCHEMA, {"record_inputs": True, "mode": "ignition"})
    kinds = {field.key: field.kind for field in fields}
    assert kinds == {
        "record_inputs": "boolean",
        "keep_days": "integer",
        "speed_kmh": "number",
        "label": "string",
        "mode": "enum",
    }
    assert left_out == ["ports"]
    by_key = {field.key: field for field in fields}
    assert (by_key["mode"].options, by_key["mode"].chosen) == (("all", "ignition", "3"), 1)
    assert by_key["keep_days"].limits == {"min": 1, "max": 365}
    assert (by_key["label"].is_required, by_key["label"].limits) == (True, {"maxlength": 20})
    assert by_key["record_inputs"].title == "Record input changes"


@pytest.mark.parametrize(
    ("form", "values"),
    [
        (
            {
                "record_inputs": "true",
                "keep_days": "7",
                "speed_kmh": "2.5",
                "label": "a",
                "mode": "2",
            },
            {"record_inputs": True, "keep_days": 7, "speed_kmh": 2.5, "label": "a", "mode": 3},
        ),
        ({"keep_days": " ", "label": "", "mode": ""}, {"record_inputs": False, "label": ""}),
    ],
)
def test_a_posted_form_gives_typed_values_and_keeps_what_it_does_not_offer(
    form: dict[str, str], values: dict[str, Any]
) -> None:
    assert values_of(SCHEMA, form, {"ports": [1, 2]}) == {**values, "ports": [1, 2]}


@pytest.mark.parametrize(
    ("form", "sentence"),
    [
        ({"keep_days": "seven"}, "keep_days: give a whole number, not 'seven'"),
        ({"keep_days": "2.5"}, "keep_days: give a whole number, not '2.5'"),
        ({"speed_kmh": "nan"}, "speed_kmh: give a number, not 'nan'"),
        ({"mode": "9"}, "mode: choose one of all, ignition, 3"),
    ],
)
def test_an_input_not_of_its_kind_is_refused_by_name(form: dict[str, str], sentence: str) -> None:
    with pytest.raises(Invalid, match=sentence):
        values_of(SCHEMA, {"label": "x", **form}, {})


async def test_open_shows_the_form_and_saving_it_sends_the_typed_settings(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    token = await log_in(client)
    listed = await client.get("/apps")
    assert 'href="/apps/view/settings" id="app-view-open"' in listed.text
    assert 'id="app-view-settings-menu">Settings<' in listed.text
    page = await client.get("/apps/view/settings")
    assert page.status_code == 200
    assert 'id="app-setting-record_inputs" checked' in page.text
    assert 'id="app-setting-label"' in page.text and 'value="car 1"' in page.text
    assert "Not in this form" in page.text and ": ports." in page.text
    form = {"csrf_token": token, "label": "car 2", "keep_days": "3", "mode": "0"}
    saved = await client.post("/apps/view/settings", data=form)
    assert 'id="app-settings-done">Settings saved.' in saved.text
    assert apps.values == {
        "record_inputs": False,
        "keep_days": 3,
        "label": "car 2",
        "mode": "all",
        "ports": [1, 2],
    }
    wrong = await client.post("/apps/view/settings", data=form | {"keep_days": "x"})
    assert wrong.status_code == 400
    assert "keep_days: give a whole number, not 'x'" in html.unescape(wrong.text)
    assert apps.values["keep_days"] == 3


async def test_the_settings_over_rest_and_a_viewer_sees_the_form_without_save(
    client: httpx.AsyncClient, apps: FakeApps
) -> None:
    got = await client.get("/api/v1/apps/view/settings", headers=ADMIN)
    assert got.json()["settings_schema"] == SCHEMA
    url = "/api/v1/apps/view/settings"
    put = await client.put(url, json={"values": {"label": "b", "ports": [3]}}, headers=ADMIN)
    assert put.json()["values"] == {"label": "b", "ports": [3]}
    unknown = await client.put(url, json={"values": {"colour": "red"}}, headers=ADMIN)
    assert (unknown.status_code, unknown.json()["detail"]) == (
        400,
        "colour: the app has no such setting",
    )
    extra = await client.put(url, json={"values": {}, "name": "x"}, headers=ADMIN)
    assert extra.status_code == 422
    await log_in(client, "view")
    page = await client.get("/apps/view/settings")
    assert 'id="app-settings-save"' not in page.text
    assert 'id="app-setting-label"' in page.text

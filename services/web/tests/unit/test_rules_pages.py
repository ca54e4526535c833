"""The Rules page and the rules REST API against a stand-in events service."""

from __future__ import annotations

import httpx

from actkit_proto.events import InputCondition, ManualCondition, MqttPublishAction

from ..conftest import basic
from ..fake_accounts import PASSWORDS
from ..fake_events import FakeEvents


async def _log_in(client: httpx.AsyncClient, name: str = "admin") -> str:
    login = await client.post("/api/v1/session", json={"name": name, "password": PASSWORDS[name]})
    return str(login.json()["csrf_token"])


async def test_a_rule_with_two_conditions_is_added_from_the_form(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await _log_in(client)
    added = await client.post(
        "/events/rules",
        data={
            "csrf_token": csrf,
            "name": "Door and trigger",
            "is_enabled": "true",
            "use_first_as_trigger": "true",
            "cond-0-type": "input",
            "cond-0-port_id": "1",
            "cond-0-subscription": "ignored/for/inputs",
            "cond-1-type": "manual",
            "cond-1-trigger_id": "3",
            "cond-1-invert": "true",
            "cond-2-type": "",
            "action-type": "mqtt_publish",
            "action-topic": "door",
            "action-payload": "open",
            "action-qos": "1",
            "action-is_active": "true",
        },
    )
    assert added.status_code == 303, added.text
    spec = events.rules[2].rule
    assert spec.use_first_as_trigger
    assert spec.conditions == [
        InputCondition(port_id=1),
        ManualCondition(trigger_id=3, invert=True),
    ]
    assert spec.action == MqttPublishAction(topic="door", payload="open", qos=1)
    page = await client.get("/events/rules")
    assert 'id="rule-2"' in page.text
    assert "Inverted: Manual trigger: a manual trigger is on. (manual trigger: 3)" in page.text


async def test_the_owners_refusal_is_shown_next_to_the_form(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await _log_in(client)
    refused = await client.post(
        "/events/rules",
        data={
            "csrf_token": csrf,
            "name": "Far",
            "cond-0-type": "input",
            "cond-0-port_id": "7",
            "action-type": "io_while_active",
            "action-port_id": "2",
        },
    )
    assert refused.status_code == 400
    assert 'id="add-error">condition 1: port 7 does not exist' in refused.text
    missing = await client.post(
        "/events/rules",
        data={"csrf_token": csrf, "name": "No port", "cond-0-type": "input", "action-type": "x"},
    )
    assert missing.status_code == 400
    assert 'id="add-error">' in missing.text
    assert set(events.rules) == {1}


async def test_a_rule_is_disabled_and_deleted_from_the_page(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await _log_in(client)
    await client.post("/events/rules/1/enabled", data={"is_enabled": "false", "csrf_token": csrf})
    assert not events.rules[1].rule.is_enabled
    page = await client.get("/events/rules")
    assert 'id="rule-1-state">Off<' in page.text
    await client.post("/events/rules/1/delete", data={"csrf_token": csrf})
    assert events.rules == {}
    gone = await client.post("/events/rules/1/delete", data={"csrf_token": csrf})
    assert gone.status_code == 400
    assert "rule 1 does not exist" in gone.text


async def test_the_rest_api_checks_a_rule_against_the_contract(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    bad = await client.post(
        "/api/v1/rules",
        json={"name": "x", "conditions": [], "action": {"type": "io_once", "port_id": 2}},
        headers=basic("admin"),
    )
    assert bad.status_code == 422
    assert ["body", "conditions"] in [problem["loc"] for problem in bad.json()["detail"]]
    switched = await client.put(
        "/api/v1/rules/1/enabled", json={"is_enabled": False}, headers=basic("admin")
    )
    assert switched.json()["rule"]["is_enabled"] is False
    listed = await client.get("/api/v1/rules", headers=basic("view"))
    assert listed.json()["rules"][0]["rule_id"] == 1


async def test_a_manual_trigger_used_by_a_rule_is_turned_on_and_fired_from_its_page(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await _log_in(client, "op")
    spec = events.rules[1].rule.model_copy(update={"conditions": [ManualCondition(trigger_id=4)]})
    events.rules[1] = events.rules[1].model_copy(update={"rule": spec})
    page = await client.get("/events/triggers")
    assert 'id="trigger-4"' in page.text
    assert 'id="trigger-4-state">Off' in page.text
    assert '<a href="/events/rules/1">rule 1</a>' in page.text
    on = await client.post("/events/triggers/4", data={"operation": "on", "csrf_token": csrf})
    assert 'id="trigger-done">Manual trigger 4 on.' in on.text
    assert 'id="trigger-4-state">On' in on.text
    assert events.triggers == {4: True}
    await client.post("/events/triggers/4", data={"operation": "fire", "csrf_token": csrf})
    assert events.fired == [4]
    refused = await client.post("/events/triggers/999", data={"csrf_token": csrf})
    assert refused.status_code == 400
    assert (
        'id="trigger-error">trigger_id: Input should be less than or equal to 256' in refused.text
    )


async def test_a_recipients_test_shows_what_its_server_answered(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await _log_in(client)
    page = await client.get("/events/recipients")
    assert "Dispatch" in page.text
    tested = await client.post("/events/recipients/1/test", data={"csrf_token": csrf})
    assert 'id="recipient-1-result">Failed: connection refused by dispatch.example' in tested.text
    answer = await client.post("/api/v1/recipients/1/test", headers=basic("admin"))
    assert answer.json() == {"is_ok": False, "answer": "connection refused by dispatch.example"}


async def test_a_rule_saved_with_warnings_shows_them_to_whoever_saved_it(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await _log_in(client)
    form = {
        "csrf_token": csrf,
        "name": "Siren heard",
        "is_enabled": "true",
        "cond-0-type": "mqtt_stateless",
        "cond-0-subscription": "sirens",
        "action-type": "io_once",
        "action-port_id": "2",
        "action-duration_ms": "500",
    }
    added = await client.post("/events/rules", data=form)
    assert added.status_code == 200, added.text
    assert 'id="saved-warnings"' in added.text
    assert "Rule 2 (Siren heard) is saved, but it may not work as meant:" in added.text
    assert "no MQTT subscription has the filter &#39;sirens&#39; yet" in added.text
    assert events.rules[2].rule.name == "Siren heard"

    edited = await client.post("/events/rules/2", data={**form, "name": "Siren"})
    assert edited.status_code == 200
    assert "Rule 2 (Siren) is saved, but it may not work as meant:" in edited.text
    fine = await client.post("/events/rules/2", data={**form, "cond-0-subscription": "Motion"})
    assert fine.status_code == 303
    assert fine.headers["location"] == "/events/rules"


async def test_the_rules_list_and_the_edit_page_show_a_rule_a_later_port_configuration_broke(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    broken = "port 2 of the AXIS W401 is an input and an I/O action needs an output"
    events.rules[1] = events.rules[1].model_copy(update={"warnings": [broken]})
    await _log_in(client)
    page = await client.get("/events/rules")
    assert f'<ul class="warning" id="rule-1-warnings"><li>{broken}</li></ul>' in page.text
    assert 'id="saved-warnings"' not in page.text
    edit = await client.get("/events/rules/1")
    assert 'id="edit-warnings"' in edit.text
    assert broken in edit.text
    listed = await client.get("/api/v1/rules", headers=basic("view"))
    assert listed.json()["rules"][0]["warnings"] == [broken]

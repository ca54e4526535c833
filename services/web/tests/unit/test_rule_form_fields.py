"""The rule form shows a condition's or action's fields for the type chosen, with or without
script (without: "Show its fields" sends the form back, saving nothing)."""

from __future__ import annotations

import re

import httpx

from actkit_core.testing.fake_bus import FakeBus
from actkit_proto.errors import Unavailable
from actkit_proto.events import HoldIoAction, ManualCondition
from actkit_proto.io import ListPorts, PortList
from actkit_web.pages.durations import hh_mm_ss, seconds_of
from actkit_web.pages.rules import ACTIONS, CONDITIONS, field_kinds

from ..conftest import log_in
from ..fake_events import FakeEvents


def _shown(page: str, prefix: str) -> set[str]:
    """The fields of a condition or action the page shows (their wrapper is not hidden)."""
    fieldset = page[page.index(f'<fieldset id="{prefix}">') :]
    fieldset = fieldset[: fieldset.index("</fieldset>")]
    wrappers = re.findall(
        r'<div class="field" data-types="[^"]*" (hidden)?>\s*<label[^>]*>', fieldset
    )
    names = re.findall(
        r'<div class="field" data-types="[^"]*" (?:hidden)?>.*?name="[\w-]+?-(\w+)"',
        fieldset,
        flags=re.DOTALL,
    )
    return {name for name, hidden in zip(names, wrappers, strict=True) if not hidden}


def test_each_field_belongs_to_the_types_whose_model_has_it() -> None:
    conditions, actions = field_kinds(CONDITIONS), field_kinds(ACTIONS)
    assert conditions["port_id"] == "input tamper"
    assert conditions["schedule_id"] == "schedule pulse"
    assert actions["duration_ms"] == "io_once ble_broadcast"
    assert "type" not in conditions and "type" not in actions


async def test_a_new_rule_shows_the_fields_of_the_first_types_only(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client)
    page = (await client.get("/events/rules")).text
    assert _shown(page, "cond-0") == {"port_id", "invert"}
    assert _shown(page, "cond-1") == set()  # no type chosen: nothing to fill in
    assert _shown(page, "action") == {"port_id", "is_active"}
    assert page.count('value="choose"') == 4  # three conditions and the action
    assert '<script src="/static/rule_form.js" defer></script>' in page


async def test_a_type_chosen_without_script_brings_its_fields_and_saves_nothing(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    before = dict(events.rules)
    chosen = await client.post(
        "/events/rules",
        data={
            "csrf_token": csrf,
            "name": "Siren heard",
            "cond-0-type": "mqtt_stateless",
            "action-type": "notification",
            "operation": "choose",
        },
    )
    assert chosen.status_code == 200
    assert _shown(chosen.text, "cond-0") == {"subscription", "payload", "invert"}
    assert _shown(chosen.text, "action") == {"recipient_id", "subject", "message"}
    assert 'value="Siren heard"' in chosen.text
    assert events.rules == before


async def test_an_edited_rule_shows_the_fields_of_its_types(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    rule = events.rules[1].rule
    page = (await client.get("/events/rules/1")).text
    assert _shown(page, "cond-0") == {"port_id", "invert"}  # rule 1 watches input 1
    chosen = await client.post(
        "/events/rules/1",
        data={
            "csrf_token": csrf,
            "name": rule.name,
            "cond-0-type": "beacon",
            "operation": "choose",
        },
    )
    assert chosen.status_code == 200
    assert _shown(chosen.text, "cond-0") == {"system_id", "message_type", "invert"}
    assert events.rules[1].rule == rule


async def test_a_crafted_form_value_gets_a_page_with_a_sentence_not_json(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    crafted = await client.post(
        "/events/rules/1/enabled", data={"csrf_token": csrf, "is_enabled": "perhaps"}
    )
    # The rules' page again, the sentence in the rule's row: not a separate page.
    assert crafted.status_code == 400
    assert crafted.headers["content-type"].startswith("text/html")
    assert "<h1>Rules</h1>" in crafted.text
    assert "is_enabled: Input should be a valid boolean" in crafted.text
    assert events.rules[1].rule.is_enabled
    too_far = await client.post(f"/events/rules/{2**31}/delete", data={"csrf_token": csrf})
    assert too_far.status_code == 422
    assert "rule_id: Input should be less than or equal to 2147483647" in too_far.text


async def test_ports_and_manual_triggers_are_chosen_by_name(
    client: httpx.AsyncClient, fake_bus: FakeBus, events: FakeEvents
) -> None:
    await log_in(client)
    page = (await client.get("/events/rules")).text
    for field in ("cond-0-port_id", "cond-1-port_id", "cond-2-port_id", "action-port_id"):
        choice = page[page.index(f'<select id="{field}" name="{field}">') :]
        choice = choice[: choice.index("</select>")]
        assert '<option value="1" >Input 1 (input)</option>' in choice
        assert '<option value="2" >Output 1 (output)</option>' in choice
    # No rule uses a manual trigger yet: the first one free is offered, by its name.
    trigger = page[page.index('<select id="cond-0-trigger_id"') :]
    trigger = trigger[: trigger.index("</select>")]
    assert re.findall(r'<option value="(\d+)" >([^<]*)</option>', trigger) == [
        ("1", "Manual trigger 1")
    ]
    spec = events.rules[1].rule.model_copy(update={"conditions": [ManualCondition(trigger_id=4)]})
    events.rules[1] = events.rules[1].model_copy(update={"rule": spec})
    edited = (await client.get("/events/rules/1")).text
    trigger = edited[edited.index('<select id="cond-0-trigger_id"') :]
    trigger = trigger[: trigger.index("</select>")]
    assert '<option value="4" selected>Manual trigger 4</option>' in trigger
    assert '<option value="1" >Manual trigger 1</option>' in trigger

    async def unanswered(_command: ListPorts) -> PortList:
        raise Unavailable("nobody answers io.ports.list: is io running?")

    fake_bus.answer(ListPorts, unanswered)  # without io the ports are typed by number
    page = (await client.get("/events/rules")).text
    assert '<input id="action-port_id" name="action-port_id" type="number" min="1" value="">' in (
        page
    )


async def test_a_port_no_longer_offered_stays_chosen_so_saving_says_why(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    await log_in(client)
    spec = events.rules[1].rule.model_copy(update={"action": HoldIoAction(port_id=7)})
    events.rules[1] = events.rules[1].model_copy(update={"rule": spec})
    page = (await client.get("/events/rules/1")).text
    choice = page[page.index('<select id="action-port_id"') :]
    assert '<option value="7" selected>7</option>' in choice[: choice.index("</select>")]


def test_a_wait_is_typed_as_the_manual_writes_it() -> None:
    assert [seconds_of(typed) for typed in ("", "00:01:30", "1:30", "90", " 23:59:59 ")] == [
        0,
        90,
        90,
        90,
        86399,
    ]
    assert [seconds_of(typed) for typed in ("1:75", "soon", "1:2:3:4")] == [
        "1:75",
        "soon",
        "1:2:3:4",
    ]
    assert hh_mm_ss(90) == "00:01:30" and hh_mm_ss(86399) == "23:59:59"


async def test_a_wait_shows_as_hh_mm_ss_and_a_wrong_one_is_refused_on_the_page(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    rule = events.rules[1].rule
    events.rules[1] = events.rules[1].model_copy(
        update={"rule": rule.model_copy(update={"wait_between_actions_s": 90})}
    )
    page = (await client.get("/events/rules/1")).text
    assert (
        'name="wait_between_actions_s" inputmode="numeric" placeholder="hh:mm:ss" value="00:01:30"'
        in page
    )
    refused = await client.post(
        "/events/rules",
        data={
            "csrf_token": csrf,
            "name": "Wait",
            "wait_between_actions_s": "1:75",
            "cond-0-type": "input",
            "cond-0-port_id": "1",
            "action-type": "io_while_active",
            "action-port_id": "2",
        },
    )
    assert refused.status_code == 400
    assert (
        'id="add-error">wait_between_actions_s: write the wait between actions as hh:mm:ss'
        in refused.text
    )
    assert 'value="1:75"' in refused.text


async def test_a_refusal_is_shown_beside_each_field_it_is_about(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    before = dict(events.rules)
    refused = await client.post(
        "/events/rules",
        data={
            "csrf_token": csrf,
            "name": "Window",
            "wait_between_actions_s": "25:00:00",
            "cond-0-type": "input",
            "cond-0-port_id": str(2**40),
            "action-type": "io_once",
            "action-port_id": "2",
            "action-duration_ms": "0",
        },
    )
    assert refused.status_code == 400
    page = refused.text
    assert 'id="add-error"' in page  # the whole refusal, above the form
    beside = dict(re.findall(r'<p class="error" id="([\w-]+)-error">([^<]*)</p>', page))
    assert "less than or equal" in beside["cond-0-port_id"]
    assert "greater than" in beside["action-duration_ms"]
    assert "less than or equal to 86399" in beside["rule-wait"]
    assert events.rules == before


async def test_a_duration_is_typed_and_shown_as_the_manual_writes_it(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    form = {
        "csrf_token": csrf,
        "name": "Blink",
        "cond-0-type": "input",
        "cond-0-port_id": "1",
        "action-type": "io_once",
        "action-port_id": "2",
        "action-duration_ms": "1.5 s",
    }
    assert (await client.post("/events/rules", data=form)).status_code == 303
    [added] = [entry for entry in events.rules.values() if entry.rule.name == "Blink"]
    assert added.rule.action.duration_ms == 1500  # type: ignore[union-attr]
    page = (await client.get(f"/events/rules/{added.rule_id}")).text
    assert 'name="action-duration_ms" placeholder="10 s" value="1500 ms"' in page
    refused = await client.post("/events/rules", data=form | {"action-duration_ms": "soon"})
    assert refused.status_code == 400
    assert (
        '<p class="error" id="action-duration_ms-error">write the duration as 10 s or 500 ms</p>'
        in refused.text
    )

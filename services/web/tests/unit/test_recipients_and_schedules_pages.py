"""Rule edit form, recipient add/edit/test pages and the schedule page, against stand-in events."""

from __future__ import annotations

import html

import httpx

from actkit_proto.events import (
    EmailRecipient,
    Encryption,
    InputCondition,
    NotifyAction,
    PulseSchedule,
    Recipient,
    ScheduleCondition,
    SftpRecipient,
    WeeklySchedule,
)
from actkit_proto.system import TimeSettings
from actkit_web.pages.rules import rule_fields, rule_from_form

from ..conftest import basic, log_in
from ..fake_events import WINDOW_RULE, FakeEvents
from ..fake_settings import FakeSettings


def test_a_rules_fields_read_back_as_the_same_rule() -> None:
    spec = WINDOW_RULE.model_copy(
        update={
            "conditions": [
                InputCondition(port_id=1, invert=True),
                ScheduleCondition(schedule_id=1),
            ],
            "action": NotifyAction(recipient_id=1, subject="Window {rule_name}"),
            "use_first_as_trigger": True,
        }
    )
    fields = rule_fields(spec)
    assert fields["cond-0-invert"] == "true"
    assert fields["cond-1-schedule_id"] == "1"
    # Unticked checkboxes are not sent at all.
    sent = {key: value for key, value in fields.items() if value != "false"}
    assert rule_from_form(sent) == spec.model_dump(mode="json") | {  # type: ignore[arg-type]
        "conditions": [
            {"type": "input", "port_id": "1", "invert": "true"},
            {"type": "schedule", "schedule_id": "1"},
        ],
        "action": {
            "type": "notification",
            "recipient_id": "1",
            "subject": "Window {rule_name}",
            "message": spec.action.message,  # type: ignore[union-attr]
        },
        "wait_between_actions_s": 0,
    }


async def test_a_rule_is_edited_through_its_form(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    page = await client.get("/events/rules/1")
    assert page.status_code == 200
    assert 'id="rule-name" name="name" required maxlength="64" value="Window open"' in page.text
    assert '<option value="input" selected>' in page.text
    assert '<option value="1" selected>Input 1 (input)</option>' in page.text
    assert '<option value="1" >Office hours (weekly)</option>' in page.text
    assert '<option value="1" >Dispatch (HTTP)</option>' in page.text
    saved = await client.post(
        "/events/rules/1",
        data={
            "csrf_token": csrf,
            "name": "Window at night",
            "is_enabled": "true",
            "cond-0-type": "input",
            "cond-0-port_id": "1",
            "cond-1-type": "schedule",
            "cond-1-schedule_id": "1",
            "action-type": "notification",
            "action-recipient_id": "1",
            "action-subject": "Window open",
        },
    )
    assert saved.status_code == 303, saved.text
    spec = events.rules[1].rule
    assert spec.name == "Window at night"
    assert spec.conditions == [InputCondition(port_id=1), ScheduleCondition(schedule_id=1)]
    assert spec.action == NotifyAction(recipient_id=1, subject="Window open")


async def test_an_edit_the_owner_refuses_keeps_the_form_as_typed(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    refused = await client.post(
        "/events/rules/1",
        data={
            "csrf_token": csrf,
            "name": "Far window",
            "cond-0-type": "input",
            "cond-0-port_id": "7",
            "action-type": "io_while_active",
            "action-port_id": "2",
        },
    )
    assert refused.status_code == 400
    assert 'id="edit-error">condition 1: port 7 does not exist' in refused.text
    assert 'value="Far window"' in refused.text
    assert events.rules[1].rule == WINDOW_RULE
    missing = await client.get("/events/rules/9")
    assert missing.status_code == 404
    assert 'id="rules-error">rule 9 does not exist' in missing.text
    valid = {"name": "x", "cond-0-type": "button", "action-type": "io_once"}
    valid |= {"action-port_id": "2", "action-duration_ms": "100"}
    viewer = await client.post("/events/rules/1", headers=basic("view"), data=valid)
    assert viewer.status_code == 403


async def test_an_email_recipient_is_tested_before_saving_and_added(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    form = await client.get("/events/recipients/new", params={"type": "email"})
    assert 'id="recipient-port" name="port" value="587"' in form.text
    assert '<option value="tls" >TLS</option>' in form.text
    fields = {
        "csrf_token": csrf,
        "type": "email",
        "name": "Dispatch mail",
        "to": "a@example.com, b@example.com",
        "sender": "w401@example.com",
        "host": "smtp.example.com",
        "port": "587",
        "encryption": "tls",
        "validate_certificate": "true",
        "password": "s3cret",
    }
    tested = await client.post("/events/recipients", data={**fields, "operation": "test"})
    assert 'id="test-result">Failed: connection refused by dispatch.example' in tested.text
    assert 'value="Dispatch mail"' in tested.text
    assert events.tests[-1].recipient == EmailRecipient(
        name="Dispatch mail",
        to=["a@example.com", "b@example.com"],
        sender="w401@example.com",
        host="smtp.example.com",
        encryption=Encryption.TLS,
        password="s3cret",
    )
    bad = await client.post("/events/recipients", data={**fields, "sender": "nobody"})
    assert bad.status_code == 400
    assert 'id="recipient-sender-error">String should match pattern' in bad.text
    added = await client.post("/events/recipients", data={**fields, "operation": "save"})
    assert added.status_code == 303
    assert events.recipients[2].recipient.name == "Dispatch mail"


async def test_a_recipient_is_edited_with_its_password_kept_and_deleted(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    page = await client.get("/events/recipients/1")
    assert 'id="recipient-url" name="url" value="http://dispatch.example/hook"' in page.text
    assert 'placeholder="(unchanged)"' in page.text
    fields = {"csrf_token": csrf, "type": "http", "name": "Dispatch", "url": "http://d.example/"}
    tested = await client.post("/events/recipients/1", data={**fields, "operation": "test"})
    assert events.tests[-1].recipient_id == 1
    assert "Failed: connection refused" in tested.text
    wrong = await client.post("/events/recipients/1", data={**fields, "url": "https://d.example/"})
    assert "a http recipient needs a http:// URL, not https://" in html.unescape(wrong.text)
    saved = await client.post("/events/recipients/1", data=fields)
    assert saved.status_code == 303
    assert events.recipients[1].recipient.url == "http://d.example/"  # type: ignore[union-attr]
    await client.post("/events/recipients/1/delete", data={"csrf_token": csrf})
    assert events.recipients == {}
    unknown = await client.get("/events/recipients/new", params={"type": "pigeon"})
    assert unknown.status_code == 404
    assert "recipient type &#39;pigeon&#39; is not one of email" in unknown.text


async def test_an_sftp_recipient_shows_its_pinned_host_key_and_clearing_it_is_saved(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    pin = "Bp6S4EkqAgsJnMsOSDfWV3P6SZ5eLEkFy8gKIAOHYfI"
    archive = SftpRecipient(name="Archive", host="sftp.example", username="cam")
    events.recipients[2] = Recipient(
        recipient_id=2,
        recipient=archive.model_copy(update={"host_key_sha256": pin}),
        has_password=True,
    )
    events.recipients[3] = Recipient(recipient_id=3, recipient=archive, has_password=True)
    csrf = await log_in(client)
    listed = await client.get("/events/recipients")
    assert f'id="recipient-2-host-key">host key SHA256:{pin} pinned' in listed.text
    assert 'id="recipient-3-host-key">host key not pinned yet' in listed.text
    page = await client.get("/events/recipients/2")
    assert f'name="host_key_sha256" value="{pin}"' in page.text
    assert f"Pinned: the server must show the host key SHA256:{pin}" in page.text
    fields = {"csrf_token": csrf, "type": "sftp", "name": "Archive", "host": "sftp.example"}
    saved = await client.post("/events/recipients/2", data={**fields, "username": "cam"})
    assert saved.status_code == 303
    stored = events.recipients[2].recipient
    assert isinstance(stored, SftpRecipient) and stored.host_key_sha256 is None
    unpinned = await client.get("/events/recipients/3")
    assert "Empty: the first delivery or test of the saved recipient pins" in unpinned.text


async def test_schedules_are_added_refused_and_deleted(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    page = await client.get("/events/schedules")
    assert "Mon, Fri 08:00 to 17:00" in page.text
    weekly = await client.post(
        "/events/schedules",
        data={
            "csrf_token": csrf,
            "kind": "weekly",
            "name": "Nights",
            "time_zone": "Europe/Stockholm",
            "range-0-mon": "true",
            "range-0-tue": "true",
            "range-0-start": "22:00",
            "range-0-end": "06:00",
        },
    )
    assert weekly.status_code == 303
    schedule = events.schedules[2].schedule
    assert isinstance(schedule, WeeklySchedule)
    assert schedule.ranges[0].days == ["mon", "tue"]
    pulse = await client.post(
        "/events/schedules",
        data={"csrf_token": csrf, "kind": "pulse", "name": "Hourly", "interval_s": "3600"},
    )
    assert pulse.status_code == 303
    assert events.schedules[3].schedule == PulseSchedule(name="Hourly", interval_s=3600)
    no_days = await client.post(
        "/events/schedules",
        data={"csrf_token": csrf, "kind": "weekly", "name": "Never", "range-0-start": "08:00"},
    )
    assert no_days.status_code == 400
    assert 'id="add-weekly-range-0-days-error">List should have at least 1 item' in no_days.text
    assert 'id="weekly-name" name="name" maxlength="64" required value="Never"' in no_days.text
    unnamed = await client.post(
        "/events/schedules",
        data={"csrf_token": csrf, "kind": "pulse", "name": "", "interval_s": "0"},
    )
    assert 'id="add-pulse-name-error">String should have at least 1 character' in unnamed.text
    assert 'id="add-pulse-interval_s-error">Input should be greater than or equal to 1' in (
        unnamed.text
    )
    await client.post("/events/schedules/1/delete", data={"csrf_token": csrf})
    assert set(events.schedules) == {2, 3}
    listed = await client.get("/api/v1/schedules", headers=basic("view"))
    assert [entry["schedule_id"] for entry in listed.json()["schedules"]] == [2, 3]


async def test_a_schedule_added_without_a_zone_follows_the_devices(
    client: httpx.AsyncClient, events: FakeEvents, owners: FakeSettings
) -> None:
    owners.stored[TimeSettings] = TimeSettings(time_zone="Europe/Stockholm")
    csrf = await log_in(client)
    page = await client.get("/events/schedules")
    assert 'name="time_zone" value=""' in page.text
    assert 'placeholder="Device time zone (Europe/Stockholm)"' in page.text
    added = await client.post(
        "/events/schedules",
        data={
            "csrf_token": csrf,
            "kind": "weekly",
            "name": "Nights",
            "time_zone": "",
            "range-0-mon": "true",
            "range-0-start": "22:00",
            "range-0-end": "06:00",
        },
    )
    assert added.status_code == 303
    schedule = events.schedules[2].schedule
    assert isinstance(schedule, WeeklySchedule)
    assert schedule.time_zone is None
    listed = await client.get("/events/schedules")
    assert "Device time zone (Europe/Stockholm)</small>" in listed.text

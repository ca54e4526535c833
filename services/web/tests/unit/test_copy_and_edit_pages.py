"""Copying a recipient, editing a schedule on its page, the owner's warnings on a settings page."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from actkit_proto.events import (
    EmailRecipient,
    PulseSchedule,
    Recipient,
    Schedule,
    TimeRange,
    WeeklySchedule,
)
from actkit_proto.mqtt import AddSubscription, SubscriptionSpec
from actkit_proto.network import HttpSettings
from actkit_web.pages.recipients import copy_name

from ..conftest import log_in
from ..fake_events import OFFICE_HOURS, FakeEvents
from ..fake_settings import FakeSettings

MAIL = EmailRecipient(
    name="Duty officer", to=["duty@example.org"], sender="kit@example.org", host="smtp.example"
)


async def test_a_copy_is_a_new_form_with_the_settings_but_not_the_password(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    events.recipients[2] = Recipient(recipient_id=2, recipient=MAIL, has_password=True)
    csrf = await log_in(client)
    page = await client.get("/events/recipients/2/copy")
    assert page.status_code == 200
    assert 'action="/events/recipients"' in page.text  # saved as a new one
    assert 'value="Duty officer copy"' in page.text
    assert 'value="smtp.example"' in page.text and 'value="duty@example.org"' in page.text
    assert "Its password is not copied: type it again" in page.text
    assert 'name="password" type="password" autocomplete="new-password" >' in page.text
    saved = await client.post(
        "/events/recipients",
        data={
            "csrf_token": csrf,
            "type": "email",
            "name": "Duty officer copy",
            "to": "duty@example.org",
            "sender": "kit@example.org",
            "host": "smtp.example",
            "port": "587",
            "encryption": "none",
            "validate_certificate": "true",
            "password": "typed again",
            "operation": "save",
        },
    )
    assert saved.status_code == 303
    copy = events.recipients[3].recipient
    assert copy.model_copy(update={"password": None}) == MAIL.model_copy(
        update={"name": "Duty officer copy"}
    )
    assert events.recipients[3].has_password
    assert events.recipients[2].recipient.name == "Duty officer"


async def test_copying_a_recipient_that_is_not_there_says_so(client: httpx.AsyncClient) -> None:
    await log_in(client)
    page = await client.get("/events/recipients/9/copy")
    assert page.status_code == 404
    assert 'id="recipients-error"' in page.text


def test_the_name_of_a_copy_fits_the_contract() -> None:
    assert copy_name("Dispatch") == "Dispatch copy"
    long = copy_name("x" * 64)
    assert len(long) == 64 and long.endswith("x copy")


async def test_a_weekly_schedule_is_edited_on_its_page(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    page = (await client.get("/events/schedules/1")).text
    assert 'id="weekly-name" name="name" maxlength="64" required value="Office hours"' in page
    assert 'name="range-0-mon" value="true" checked' in page
    assert 'name="range-0-tue" value="true" >' in page
    assert 'id="range-0-start" name="range-0-start" type="time" value="08:00"' in page
    form = {
        "csrf_token": csrf,
        "kind": "weekly",
        "name": "Nights",
        "range-0-tue": "true",
        "range-0-start": "22:00",
        "range-0-end": "06:00",
    }
    saved = await client.post("/events/schedules/1", data=form)
    assert (saved.status_code, saved.headers["location"]) == (303, "/events/schedules")
    assert events.schedules[1].schedule == WeeklySchedule(
        name="Nights", ranges=[TimeRange(days=["tue"], start="22:00", end="06:00")]
    )


async def test_a_refused_edit_shows_why_and_changes_nothing(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    refused = await client.post(
        "/events/schedules/1",
        data={"csrf_token": csrf, "kind": "weekly", "name": "Nights", "range-2-start": "25:00"},
    )
    assert refused.status_code == 400
    # Beside the row's own inputs (the third row, though it is the only range sent).
    assert 'id="edit-weekly-range-2-days-error">List should have at least 1 item' in refused.text
    assert 'id="edit-weekly-range-2-start-error">' in refused.text
    assert 'id="edit-weekly-error"' not in refused.text, "nothing left for the whole form"
    assert 'value="Nights"' in refused.text  # as typed, to correct
    assert events.schedules[1].schedule == OFFICE_HOURS


async def test_a_pulse_is_edited_with_its_first_moment_in_utc(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    start = datetime(2026, 5, 4, 6, 30, tzinfo=UTC)
    hourly = PulseSchedule(name="Hourly", interval_s=3600, start_at=start)
    events.schedules[2] = Schedule(schedule_id=2, schedule=hourly, is_active=False)
    csrf = await log_in(client)
    page = (await client.get("/events/schedules/2")).text
    assert 'id="pulse-start_at" name="start_at" type="datetime-local" step="1"' in page
    assert 'value="2026-05-04T06:30:00"' in page and 'value="3600"' in page
    form = {"csrf_token": csrf, "kind": "pulse", "name": "Hourly", "interval_s": "1800"}
    form["start_at"] = "2026-05-04T06:30:00"
    assert (await client.post("/events/schedules/2", data=form)).status_code == 303
    assert events.schedules[2].schedule == hourly.model_copy(update={"interval_s": 1800})


async def test_the_network_owners_warning_about_a_privileged_port_is_on_the_page(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    warning = "HTTP port 81 is a privileged port (1-1023) that other services may need"
    owners.stored[HttpSettings] = HttpSettings(http_port=81, warnings=[warning])
    await log_in(client, "view")
    page = (await client.get("/system/network")).text
    assert f'<p class="warning" role="status" id="http-warning-1">{warning}</p>' in page
    owners.stored[HttpSettings] = HttpSettings()
    assert 'id="http-warning-1"' not in (await client.get("/system/network")).text


async def test_an_mqtt_subscription_is_edited_in_its_row(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    await owners.add_subscription(AddSubscription(spec=SubscriptionSpec(filter="site/door")))
    csrf = await log_in(client)
    page = (await client.get("/system/mqtt")).text
    assert 'id="subscription-1-filter" name="filter" value="site/door"' in page
    form = {"csrf_token": csrf, "filter": "site/+/door", "is_stateful": "true", "qos": "1"}
    saved = await client.post("/system/mqtt/subscriptions/1", data=form)
    assert (saved.status_code, saved.headers["location"]) == (303, "/system/mqtt#subscription-1")
    assert owners.subscriptions[1].spec == SubscriptionSpec(
        filter="site/+/door", is_stateful=True, qos=1
    )
    refused = await client.post("/system/mqtt/subscriptions/1", data=form | {"filter": ""})
    assert refused.status_code == 400
    assert '<details class="edit" id="subscription-1-edit" open>' in refused.text
    assert 'id="subscription-1-filter-error"' in refused.text
    assert owners.subscriptions[1].spec.filter == "site/+/door"

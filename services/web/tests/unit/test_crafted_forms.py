"""A crafted checkbox or choice (a value no form sends) is refused on the page it came from: the
sentence beside its field, the rest of the form as it was sent, nothing changed; never a
separate page."""

from __future__ import annotations

import httpx

from actkit_proto.system import PowerSettings

from ..conftest import log_in
from ..fake_accounts import FakeAccounts
from ..fake_events import FakeEvents
from ..fake_io import FakeIo
from ..fake_settings import FakeSettings


def _on_its_page(response: httpx.Response, heading: str) -> None:
    assert response.status_code == 400, response.text
    assert f"<h1>{heading}</h1>" in response.text, "the form's own page, not a separate one"


async def test_a_crafted_role_is_refused_beside_it_and_the_name_kept(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    sent = {"name": "nina", "password": "pw", "password_again": "pw", "csrf_token": csrf}
    response = await client.post("/system/accounts", data={**sent, "role": "9"})
    _on_its_page(response, "Accounts")
    assert 'id="add-role-error">Input should be 1, 2 or 3' in response.text
    assert 'name="name" required maxlength="64" autocomplete="off" value="nina"' in response.text
    assert "nina" not in accounts.passwords


async def test_a_crafted_supervision_box_is_refused_beside_it_and_the_name_kept(
    client: httpx.AsyncClient, io: FakeIo
) -> None:
    csrf = await log_in(client)
    before = io.ports[1]
    response = await client.post(
        "/accessories/1/configure",
        data={"name": "Door", "is_supervised": "maybe", "csrf_token": csrf},
    )
    _on_its_page(response, "Accessories")
    assert "Input should be a valid boolean" in response.text
    assert 'id="config-1-name" name="name" value="Door"' in response.text
    assert io.ports[1] == before


async def test_a_crafted_box_on_the_security_page_is_refused_beside_it(
    client: httpx.AsyncClient,
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/security/brute-force",
        data={"is_enabled": "maybe", "blocking_period_s": "77", "csrf_token": csrf},
    )
    _on_its_page(response, "Security")
    assert 'id="is_enabled-error">Input should be a valid boolean' in response.text
    assert 'name="blocking_period_s" value="77"' in response.text
    anonymous = await client.post(
        "/system/security/authentication",
        data={"allow_anonymous_viewing": "maybe", "csrf_token": csrf},
    )
    _on_its_page(anonymous, "Security")
    assert 'id="allow_anonymous_viewing-error">Input should be a valid boolean' in anonymous.text


async def test_a_crafted_switch_on_a_settings_page_is_refused_beside_it_with_the_form_kept(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    before = owners.get(PowerSettings)
    response = await client.post(
        "/system/power/power",
        data={"is_delayed_shutdown_on": "maybe", "delay_min": "17", "csrf_token": csrf},
    )
    _on_its_page(response, "Power settings")
    assert 'id="power-is_delayed_shutdown_on-error">Input should be a valid boolean' in (
        response.text
    )
    assert 'name="delay_min" value="17"' in response.text
    assert owners.get(PowerSettings) == before


async def test_a_crafted_rule_switch_is_refused_in_the_rules_row(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    before = events.rules[1]
    response = await client.post(
        "/events/rules/1/enabled", data={"is_enabled": "maybe", "csrf_token": csrf}
    )
    _on_its_page(response, "Rules")
    assert "is_enabled: Input should be a valid boolean" in response.text
    assert events.rules[1] == before


async def test_a_crafted_confirmation_asks_again_and_does_nothing(
    client: httpx.AsyncClient,
) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/maintenance/restart", data={"confirmed": "maybe", "csrf_token": csrf}
    )
    assert response.status_code == 200
    assert "Restart the device?" in response.text


async def test_a_crafted_ssh_switch_is_refused_on_the_ssh_page(client: httpx.AsyncClient) -> None:
    csrf = await log_in(client)
    response = await client.post(
        "/system/ssh/enabled", data={"is_enabled": "maybe", "csrf_token": csrf}
    )
    _on_its_page(response, "SSH accounts")
    assert 'id="service-error">is_enabled: Input should be a valid boolean' in response.text

"""Network storage, SIP call and POP email recipients: forms and REST, on stand-in events."""

from __future__ import annotations

import httpx

from actkit_proto.events import (
    EmailRecipient,
    Encryption,
    NetworkStorageRecipient,
    Recipient,
    SipRecipient,
    SmbVersion,
)

from ..conftest import basic, log_in
from ..fake_events import FakeEvents


async def test_a_network_storage_recipient_is_added_and_edited_from_its_form(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    listed = await client.get("/events/recipients")
    assert 'id="add-network_storage">Network storage</a>' in listed.text
    form = await client.get("/events/recipients/new", params={"type": "network_storage"})
    assert "<h1>Add Network storage recipient</h1>" in form.text
    assert 'id="recipient-port" name="port" value="445"' in form.text
    assert '<label for="recipient-smb_version">SMB version</label>' in form.text
    assert '<option value="3.1.1" >3.1.1</option>' in form.text
    assert 'name="use_temporary_name" value="true" checked' in form.text
    fields = {
        "csrf_token": csrf,
        "type": "network_storage",
        "name": "NAS",
        "host": "nas.example",
        "port": "445",
        "share": "cams",
        "folder": "car12/events",
        "username": "cam",
        "password": "smb-s3cret",
        "domain": "FLEET",
        "smb_version": "3.0.2",
        "use_temporary_name": "true",
    }
    tested = await client.post("/events/recipients", data={**fields, "operation": "test"})
    assert 'id="test-result">Failed: connection refused by dispatch.example' in tested.text
    assert "smb-s3cret" not in tested.text
    bad = await client.post("/events/recipients", data={**fields, "share": "a/b"})
    assert bad.status_code == 400 and 'id="recipient-share-error"' in bad.text
    added = await client.post("/events/recipients", data={**fields, "operation": "save"})
    assert added.status_code == 303
    # The stand-in keeps what events answers: the password was sent (has_password), not kept.
    assert events.recipients[2] == Recipient(
        recipient_id=2,
        recipient=NetworkStorageRecipient(
            name="NAS",
            host="nas.example",
            share="cams",
            folder="car12/events",
            username="cam",
            domain="FLEET",
            smb_version=SmbVersion.SMB_3_0_2,
        ),
        has_password=True,
    )
    page = await client.get("/events/recipients/2")
    assert 'name="share" value="cams"' in page.text
    assert '<option value="3.0.2" selected>3.0.2</option>' in page.text
    assert 'placeholder="(unchanged)"' in page.text


async def test_email_with_pop_authentication_from_the_form_and_over_rest(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    form = await client.get("/events/recipients/new", params={"type": "email"})
    assert '<label for="recipient-pop_host">POP server (POP authentication)' in form.text
    assert 'id="recipient-pop_port" name="pop_port" value="110"' in form.text
    fields = {
        "csrf_token": csrf,
        "type": "email",
        "name": "Ops",
        "to": "ops@example.com",
        "sender": "kit@example.com",
        "host": "smtp.example.com",
        "pop_host": "pop.example.com",
        "pop_port": "995",
        "pop_encryption": "ssl",
        "validate_certificate": "true",
    }
    refused = await client.post("/events/recipients", data={**fields, "operation": "save"})
    assert refused.status_code == 400
    assert "POP authentication logs in with the username and password" in refused.text
    added = await client.post(
        "/events/recipients", data={**fields, "username": "kit", "password": "p0p"}
    )
    assert added.status_code == 303
    stored = events.recipients[2].recipient
    assert isinstance(stored, EmailRecipient)
    assert (stored.pop_host, stored.pop_port, stored.pop_encryption) == (
        "pop.example.com",
        995,
        Encryption.SSL,
    )
    body = {"type": "network_storage", "name": "N", "host": "nas", "share": "s", "username": "u"}
    created = await client.post(
        "/api/v1/recipients", json={**body, "password": "x"}, headers=basic("admin")
    )
    assert created.status_code == 201, created.text
    assert created.json()["recipient"]["smb_version"] == "auto"
    unknown = await client.post(
        "/api/v1/recipients", json={**body, "nfs_export": "/x"}, headers=basic("admin")
    )
    assert unknown.status_code == 422 and "nfs_export" in unknown.text
    viewer = await client.post("/api/v1/recipients", json=body, headers=basic("view"))
    assert viewer.status_code == 403


async def test_a_sip_call_recipient_is_added_from_its_form_and_vms_is_not_offered(
    client: httpx.AsyncClient, events: FakeEvents
) -> None:
    csrf = await log_in(client)
    listed = await client.get("/events/recipients")
    assert 'id="add-sip">SIP</a>' in listed.text and 'id="add-vms"' not in listed.text
    form = await client.get("/events/recipients/new", params={"type": "sip"})
    assert '<label for="recipient-from_account">From SIP account</label>' in form.text
    assert '<label for="recipient-to_address">To SIP address</label>' in form.text
    assert 'id="recipient-proxy_port" name="proxy_port" value="5060"' in form.text
    assert 'name="play_alert" value="true" checked' in form.text
    fields = {
        "csrf_token": csrf,
        "type": "sip",
        "name": "Dispatch phone",
        "from_account": "kit@pbx.example",
        "to_address": "112",
        "proxy_host": "",
        "proxy_port": "5060",
        "password": "sip-s3cret",
        "play_alert": "true",
        "call_duration_s": "61",
    }
    refused = await client.post("/events/recipients", data=fields)
    assert refused.status_code == 400
    assert 'id="recipient-call_duration_s-error">Input should be less than or equal to 60' in (
        refused.text
    )
    tested = await client.post(
        "/events/recipients", data={**fields, "call_duration_s": "5", "operation": "test"}
    )
    assert 'id="test-result">Failed: connection refused by dispatch.example' in tested.text
    added = await client.post("/events/recipients", data={**fields, "call_duration_s": "5"})
    assert added.status_code == 303
    assert events.recipients[2] == Recipient(
        recipient_id=2,
        recipient=SipRecipient(
            name="Dispatch phone", from_account="kit@pbx.example", to_address="112"
        ),
        has_password=True,
    )

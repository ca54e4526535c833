"""Security > Certificates, page and REST, against a stand-in certificate store."""

from __future__ import annotations

import base64

import httpx

from actkit_proto.network import Dot1xSettings, WlanEapMethod, WlanSettings

from ..conftest import basic, log_in
from ..fake_accounts import FakeAccounts
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings

DER = b"\x30\x82\x01\x0a\x02\x82\x01\x01\x00"
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


async def test_the_page_lists_both_stores_with_who_uses_each(client: httpx.AsyncClient) -> None:
    await log_in(client)
    page = await client.get("/system/certificates")
    assert page.status_code == 200
    assert 'id="certificate-web-https"' in page.text
    assert 'id="certificate-isrg-root-x1"' in page.text
    assert "(pre-installed)" in page.text
    assert 'class="used-by">https<' in page.text
    assert 'href="/api/v1/certificates/web-https/csr.pem"' in page.text
    assert "PRIVATE KEY" not in page.text


async def test_a_der_certificate_is_sent_in_base64_and_a_pfx_with_its_password(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    der = await client.post(
        "/system/certificates/import",
        data={"cert_id": "root", "kind": "ca", "csrf_token": csrf},
        files={"certificate": ("root.cer", DER)},
    )
    assert der.status_code == 303, der.text
    pfx = await client.post(
        "/system/certificates/import",
        data={"cert_id": "client", "passphrase": "pfx-pass", "csrf_token": csrf},
        files={"pkcs12": ("client.pfx", b"\x30\x80binary")},
    )
    assert pfx.status_code == 303, pfx.text
    pem = await client.post(
        "/system/certificates/import",
        data={"cert_id": "answer", "csrf_token": csrf},
        files={"certificate": ("answer.pem", PEM), "private_key": ("", b"")},
    )
    assert pem.status_code == 303, pem.text
    sent = accounts.certificates.imported
    assert [(c.cert_id, c.kind) for c in sent] == [
        ("root", "ca"),
        ("client", "client-server"),
        ("answer", "client-server"),
    ]
    assert sent[0].certificate == base64.b64encode(DER).decode()
    assert (sent[1].pkcs12, sent[1].passphrase) == (
        base64.b64encode(b"\x30\x80binary").decode(),
        "pfx-pass",
    )
    assert (sent[2].certificate, sent[2].private_key, sent[2].passphrase) == (
        PEM.decode(),
        None,
        None,
    )


async def test_a_binary_private_key_is_refused_with_a_sentence_and_nothing_sent(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    refused = await client.post(
        "/system/certificates/import",
        data={"cert_id": "client", "passphrase": "hunter2", "csrf_token": csrf},
        files={"certificate": ("c.pem", PEM), "private_key": ("k.der", b"\xff\xfe")},
    )
    assert refused.status_code == 400
    assert 'id="import-private_key-error">the private key is not a PEM file' in refused.text
    assert 'id="im-cert_id" name="cert_id" required maxlength="64" value="client"' in refused.text
    assert "hunter2" not in refused.text, "never a password"
    assert accounts.certificates.imported == []


async def test_deleting_a_certificate_in_use_names_the_user_on_the_page(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    refused = await client.post("/system/certificates/web-https/delete", data={"csrf_token": csrf})
    assert refused.status_code == 400
    assert "is in use by https" in refused.text
    assert "web-https" in accounts.certificates.stored
    deleted = await client.post(
        "/system/certificates/isrg-root-x1/delete", data={"csrf_token": csrf}
    )
    assert deleted.status_code == 303
    assert "isrg-root-x1" not in accounts.certificates.stored


async def test_a_self_signed_certificate_is_made_from_the_page(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    made = await client.post(
        "/system/certificates/self-signed",
        data={"cert_id": "mine", "common_name": "device.example", "csrf_token": csrf},
    )
    assert made.status_code == 303
    assert accounts.certificates.stored["mine"].subject_name == "CN=device.example"
    bad = await client.post(
        "/system/certificates/self-signed",
        data={"cert_id": "a b", "common_name": "x", "valid_days": "0", "csrf_token": csrf},
    )
    assert bad.status_code == 400
    assert "a b" not in accounts.certificates.stored
    assert 'value="a b">\n  <p class="error" id="self-signed-cert_id-error">' in bad.text
    assert 'value="0">\n  <p class="error" id="self-signed-valid_days-error">' in bad.text
    assert 'id="ss-common_name" name="common_name" required maxlength="64" value="x"' in bad.text
    assert 'id="self-signed-form-error"' not in bad.text, "each sentence beside its field"


async def test_rest_downloads_a_csr_and_refuses_an_unknown_field(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csr = await client.get("/api/v1/certificates/web-https/csr.pem", headers=basic("admin"))
    assert csr.status_code == 200
    assert csr.headers["content-type"].startswith("application/pkcs10")
    assert csr.headers["content-disposition"] == 'attachment; filename="web-https.csr"'
    assert csr.text.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    unknown = await client.post(
        "/api/v1/certificates",
        json={"cert_id": "x", "certificate": "PEM", "private_kee": "typo"},
        headers=basic("admin"),
    )
    assert unknown.status_code == 422
    assert "private_kee" in unknown.text
    assert accounts.certificates.imported == []
    missing = await client.get("/api/v1/certificates/nothing", headers=basic("admin"))
    assert missing.status_code == 404
    assert missing.json() == {"detail": "there is no certificate 'nothing'"}


async def test_the_custom_signed_os_certificate_is_shown_replaced_and_deleted(
    client: httpx.AsyncClient, accounts: FakeAccounts
) -> None:
    csrf = await log_in(client)
    page = await client.get("/system/certificates")
    assert "for device ACCC8E012345" in page.text
    empty = await client.post("/system/certificates/os", data={"csrf_token": csrf})
    assert empty.status_code == 400
    assert "choose the custom signed OS certificate file first" in empty.text
    refused = await client.post(
        "/system/certificates/os",
        data={"csrf_token": csrf},
        files={"certificate": ("os.cer", b"\x30\x82")},
    )
    assert refused.status_code == 400
    assert "not signed by the configured OS signing key" in refused.text
    installed = await client.post(
        "/system/certificates/os", data={"csrf_token": csrf}, files={"certificate": ("os.pem", PEM)}
    )
    assert installed.status_code == 303
    read = (await client.get("/api/v1/os-certificate", headers=basic("admin"))).json()
    assert (read["subject_name"], read["certificate_pem"]) == ("CN=new", PEM.decode())
    deleted = await client.post("/system/certificates/os/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303
    assert accounts.certificates.os_certificate is None
    assert "None installed." in (await client.get("/system/certificates")).text
    gone = await client.get("/api/v1/os-certificate", headers=basic("admin"))
    assert gone.status_code == 404


async def test_https_and_8021x_certificates_are_chosen_from_the_store(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    network = await client.get("/system/network")
    assert '<select id="http-certificate" name="certificate">' in network.text
    assert '<option value="web-https" >web-https (CN=web-https)</option>' in network.text
    assert (
        'value="isrg-root-x1"'
        not in network.text.split('id="http-certificate"')[1].split("</select>")[0]
    )
    firewall = await client.get("/system/firewall")
    assert 'name="ca_certificates" value="isrg-root-x1"' in firewall.text
    saved = await client.post(
        "/system/firewall/dot1x",
        data={
            "is_enabled": "true",
            "method": "eap_tls",
            "client_certificate": "web-https",
            "ca_certificates": ["isrg-root-x1", "web-https"],
            "eap_identity": "car-12",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 303, saved.text
    stored = owners.stored[Dot1xSettings]
    assert isinstance(stored, Dot1xSettings)
    assert (stored.client_certificate, stored.ca_certificates) == (
        "web-https",
        ["isrg-root-x1", "web-https"],
    )


async def test_a_wpa2_enterprise_wlan_chooses_its_certificates_from_the_store(
    client: httpx.AsyncClient, owners: FakeSettings
) -> None:
    csrf = await log_in(client)
    page = await client.get("/system/wlan")
    client_choice = page.text.split('<select id="wlan-client_certificate"')[1].split("</select>")[0]
    assert 'value="web-https"' in client_choice and 'value="isrg-root-x1"' not in client_choice
    assert 'name="ca_certificates" value="isrg-root-x1"' in page.text
    saved = await client.post(
        "/system/wlan/wlan",
        data={
            "ssid": "corp",
            "security": "wpa2_enterprise",
            "eap_method": "eap_tls",
            "eap_identity": "car-12",
            "client_certificate": "web-https",
            "ca_certificates": ["isrg-root-x1"],
            "ipv4.is_dhcp": "true",
            "ipv6.is_auto": "true",
            "csrf_token": csrf,
        },
    )
    assert saved.status_code == 303, saved.text
    stored = owners.stored[WlanSettings]
    assert isinstance(stored, WlanSettings)
    assert (stored.eap_method, stored.client_certificate, stored.ca_certificates) == (
        WlanEapMethod.EAP_TLS,
        "web-https",
        ["isrg-root-x1"],
    )


async def test_mqtt_and_remote_syslog_choose_their_certificates_from_the_store(
    client: httpx.AsyncClient, mqtt: FakeMqtt
) -> None:
    csrf = await log_in(client)
    page = (await client.get("/system/mqtt")).text
    ca = page.split('<select id="client-ca_certificate" name="ca_certificate">')[1]
    ca = ca.split("</select>")[0]
    assert '<option value="isrg-root-x1" >isrg-root-x1 (CN=isrg-root-x1)</option>' in ca
    assert "web-https" not in ca
    client_choice = page.split('<select id="client-client_certificate"')[1].split("</select>")[0]
    assert '<option value="" selected>None</option>' in client_choice
    assert 'value="web-https"' in client_choice and "isrg-root-x1" not in client_choice
    saved = await client.post(
        "/system/mqtt/client",
        data={"ca_certificate": "isrg-root-x1", "client_certificate": "web-https",
              "csrf_token": csrf},
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert (mqtt.changes[-1].ca_certificate, mqtt.changes[-1].client_certificate) == (
        "isrg-root-x1",
        "web-https",
    )
    logs = (await client.get("/system/logs")).text
    syslog_ca = logs.split('<select id="syslog-ca" name="ca_certificate">')[1].split("</select>")[0]
    assert 'value="isrg-root-x1"' in syslog_ca


async def test_a_viewer_sees_the_https_certificate_by_name_without_the_store(
    client: httpx.AsyncClient,
) -> None:
    await log_in(client, "view")
    network = await client.get("/system/network")
    assert network.status_code == 200
    assert '<input id="http-certificate" name="certificate"' in network.text

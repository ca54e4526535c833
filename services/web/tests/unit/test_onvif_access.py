"""ONVIF: every operation's access class is the role review's, and each role gets what it may."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

import actkit_web
from actkit_proto.accounts import OnvifIdentity, OnvifRole
from actkit_proto.base import Role
from actkit_web.onvif import OPERATIONS
from actkit_web.onvif.access import AccessClass, check_access, username_token
from actkit_web.onvif.soap import PREFIXES, SOAP, WSSE, Fault

ACCOUNTS_README = Path(actkit_web.__file__).parents[2] / "accounts" / "README.md"
ROW = re.compile(r"^\| (?P<op>[a-z]+:\w+) \| (?P<cls>[A-Z_]+) \| (?P<who>\w+) \| (?P<why>.+) \|$")
LOWEST: dict[AccessClass, str] = {
    AccessClass.PRE_AUTH: "anyone",
    AccessClass.READ_SYSTEM: "media",
    AccessClass.READ_MEDIA: "media",
    AccessClass.ACTUATE: "operator",
    AccessClass.READ_SYSTEM_SECRET: "administrator",
    AccessClass.WRITE_SYSTEM: "administrator",
    AccessClass.UNRECOVERABLE: "administrator",
}
DEVICE_ROLES = {
    "media": Role.VIEWER,
    "operator": Role.OPERATOR,
    "administrator": Role.ADMINISTRATOR,
}
SOAP_TYPE = {"Content-Type": "application/soap+xml; charset=utf-8"}


def _prefixed(tag: str) -> str:
    namespace, _, name = tag[1:].partition("}")
    prefix = next(p for p, uri in PREFIXES.items() if uri == namespace)
    return f"{prefix}:{name}"


def test_the_role_review_names_every_onvif_operation_with_its_access_class() -> None:
    rows = [ROW.match(line) for line in ACCOUNTS_README.read_text().splitlines()]
    review = {row["op"]: (row["cls"], row["who"]) for row in rows if row}
    operations = {
        _prefixed(tag): (needed.name, LOWEST[needed]) for tag, (_, needed) in OPERATIONS.items()
    }
    assert review == operations, "services/accounts/README.md's ONVIF table and the web differ"


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("media", {"GetRelayOutputs"}),
        ("operator", {"GetRelayOutputs", "SetRelayOutputState"}),
        ("administrator", {"GetRelayOutputs", "SetRelayOutputState", "SystemReboot"}),
    ],
)
def test_an_onvif_role_uses_its_access_classes_and_acts_with_its_device_role(
    role: OnvifRole, allowed: set[str]
) -> None:
    identity = OnvifIdentity(name="vms", role=role)
    classes = {
        "GetRelayOutputs": AccessClass.READ_MEDIA,
        "SetRelayOutputState": AccessClass.ACTUATE,
        "SystemReboot": AccessClass.UNRECOVERABLE,
    }
    used = set()
    for operation, needed in classes.items():
        try:
            actor = check_access(identity, needed, operation)
        except Fault as fault:
            assert fault.subcodes == ("NotAuthorized",)
            assert fault.status_code == 400
            continue
        used.add(operation)
        assert actor.name == "vms"
        assert actor.role is DEVICE_ROLES[role]
    assert used == allowed


def test_a_username_token_without_a_password_type_is_plain_text() -> None:
    header = ET.fromstring(
        f'<s:Header xmlns:s="{SOAP}" xmlns:wsse="{WSSE}"><wsse:Security><wsse:UsernameToken>'
        "<wsse:Username> vms </wsse:Username><wsse:Password>pw</wsse:Password>"
        "</wsse:UsernameToken></wsse:Security></s:Header>"
    )
    token = username_token(header)
    assert token is not None
    assert (token.username, token.password, token.is_digest) == ("vms", "pw", False)
    assert (token.nonce, token.created) == (None, None)
    assert username_token(None) is None


def _envelope(body: str, header: str = "") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{SOAP}" xmlns:tds="{PREFIXES["tds"]}" '
        f'xmlns:tmd="{PREFIXES["tmd"]}"><s:Header>{header}</s:Header>'
        f"<s:Body>{body}</s:Body></s:Envelope>"
    ).encode()


async def test_pre_auth_operations_answer_anyone_with_addresses_on_the_host_used(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(
        "/onvif/device_service",
        content=_envelope(
            "<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>"
        ),
        headers={**SOAP_TYPE, "Host": "192.0.2.10:8080"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/soap+xml")
    assert b"https://192.0.2.10:8080/onvif/deviceio_service" in answer.content
    assert b'RelayOutputs="' in answer.content


@pytest.mark.parametrize(
    "body", ["<tds:GetDeviceInformation/>", "<tmd:SetRelayOutputState/>", "<tds:GetUsers/>"]
)
async def test_other_operations_without_credentials_are_challenged_for_digest(
    client: httpx.AsyncClient, body: str
) -> None:
    answer = await client.post("/onvif/device_service", content=_envelope(body), headers=SOAP_TYPE)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Digest realm=")
    assert "algorithm=MD5" in answer.headers["www-authenticate"]
    assert b"<s:Value>ter:NotAuthorized</s:Value>" in answer.content
    assert b"UsernameToken or HTTP Digest" in answer.content


async def test_an_operation_the_device_lacks_is_not_implemented(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(
        "/onvif/deviceio_service", content=_envelope("<tds:GetDNS/>"), headers=SOAP_TYPE
    )
    assert answer.status_code == 500
    assert b"s:Receiver" in answer.content
    assert b"ter:ActionNotSupported" in answer.content
    assert b"GetDNS is not implemented" in answer.content

"""The role matrix's data: the callers, and the requests it sends to each route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from actkit_proto.ble import BeaconSettings
from actkit_proto.mqtt import HomeAssistant, Publication
from actkit_proto.network import (
    DiscoverySettings,
    DnsSettings,
    Dot1xSettings,
    HostnameSettings,
    Ipv4Settings,
    Ipv6Settings,
    O3cSettings,
    SnmpSettings,
    WlanSettings,
)

PUBLIC = "public"
VIEWER = "view"
OPERATOR = "op"
ADMIN = "admin"
RANK = {PUBLIC: 0, VIEWER: 1, OPERATOR: 2, ADMIN: 3}
CALL = {"apiVersion": "1.0", "context": "test"}
RULE = {
    "name": "Window",
    "conditions": [{"type": "input", "port_id": 1}],
    "action": {"type": "io_while_active", "port_id": 2},
}
RULE_FORM = {
    "name": "Window",
    "cond-0-type": "input",
    "cond-0-port_id": "1",
    "action-type": "io_while_active",
    "action-port_id": "2",
}
HOOK = {"type": "http", "name": "Hook", "url": "http://hook.example/"}
WEEKLY = {
    "kind": "weekly",
    "name": "Nights",
    "ranges": [{"days": ["mon"], "start": "22:00", "end": "06:00"}],
}
BUNDLE = {"manifest": '{"version": "2.0.0"}', "signature": "c2lnbmVk"}


def whole(group: BaseModel) -> dict[str, Any]:
    """A PUT's body naming every field of ``group``."""
    return {"json": group.model_dump(mode="json")}


GROUPS: dict[str, type[BaseModel]] = {
    "/api/v1/network/ipv4": Ipv4Settings,
    "/api/v1/network/ipv6": Ipv6Settings,
    "/api/v1/network/hostname": HostnameSettings,
    "/api/v1/network/dns": DnsSettings,
    "/api/v1/network/discovery": DiscoverySettings,
    "/api/v1/network/o3c": O3cSettings,
    "/api/v1/network/snmp": SnmpSettings,
    "/api/v1/network/dot1x": Dot1xSettings,
    "/api/v1/network/wlan": WlanSettings,
    "/api/v1/mqtt/publication": Publication,
    "/api/v1/mqtt/home-assistant": HomeAssistant,
    "/api/v1/ble/settings": BeaconSettings,
}
"""The System settings groups a PUT replaces whole, by route."""

PAGE_FORMS = {
    "/system/time": ("time", "location"),
    "/system/power": ("power",),
    "/system/network": ("ipv4", "ipv6", "hostname", "dns", "discovery", "o3c", "snmp"),
    "/system/wlan": ("wlan",),
    "/system/firewall": ("firewall", "dot1x"),
    "/system/mqtt": ("client", "publication", "home-assistant"),
    "/system/ble": ("ble",),
}
"""The System settings pages and the forms each posts."""

PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
CERTIFICATE_ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/api/v1/certificates"): (ADMIN, {"params": {"kind": "ca"}}),
    ("POST", "/api/v1/certificates"): (
        ADMIN,
        {"json": {"cert_id": "theirs", "kind": "ca", "certificate": "PEM"}},
    ),
    ("POST", "/api/v1/certificates/self-signed"): (
        ADMIN,
        {"json": {"cert_id": "mine", "common_name": "device.example"}},
    ),
    ("GET", "/api/v1/certificates/{cert_id}"): (ADMIN, {}),
    ("DELETE", "/api/v1/certificates/{cert_id}"): (ADMIN, {}),
    ("POST", "/api/v1/certificates/{cert_id}/csr"): (ADMIN, {}),
    ("GET", "/api/v1/certificates/{cert_id}/csr.pem"): (ADMIN, {}),
    ("GET", "/system/certificates"): (ADMIN, {}),
    ("POST", "/system/certificates/self-signed"): (
        ADMIN,
        {"data": {"cert_id": "mine", "common_name": "device.example"}},
    ),
    ("POST", "/system/certificates/import"): (
        ADMIN,
        {
            "data": {"cert_id": "theirs", "kind": "ca"},
            "files": {"certificate": ("ca.cer", b"\x30")},
        },
    ),
    ("POST", "/system/certificates/{cert_id}/delete"): (ADMIN, {}),
    ("GET", "/api/v1/os-certificate"): (ADMIN, {}),
    ("PUT", "/api/v1/os-certificate"): (ADMIN, {"json": {"certificate": PEM_CERTIFICATE}}),
    ("DELETE", "/api/v1/os-certificate"): (ADMIN, {}),
    ("POST", "/system/certificates/os"): (
        ADMIN,
        {"files": {"certificate": ("os.pem", PEM_CERTIFICATE.encode())}},
    ),
    ("POST", "/system/certificates/os/delete"): (ADMIN, {}),
}
"""Security > Certificates: the store, administrators only (accounts checks)."""

SSH_OPENID_ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/api/v1/ssh"): (ADMIN, {}),
    ("PUT", "/api/v1/ssh/enabled"): (ADMIN, {"json": {"is_enabled": True}}),
    ("POST", "/api/v1/ssh/accounts"): (ADMIN, {"json": {"name": "tech", "password": "pw"}}),
    ("PATCH", "/api/v1/ssh/accounts/{name}"): (ADMIN, {"json": {"comment": "service"}}),
    ("DELETE", "/api/v1/ssh/accounts/{name}"): (ADMIN, {}),
    ("GET", "/system/ssh"): (ADMIN, {}),
    ("POST", "/system/ssh/enabled"): (ADMIN, {"data": {"is_enabled": "true"}}),
    ("POST", "/system/ssh/accounts"): (ADMIN, {"data": {"name": "tech", "password": "pw"}}),
    ("POST", "/system/ssh/accounts/{name}"): (ADMIN, {"data": {"comment": "service"}}),
    ("POST", "/system/ssh/accounts/{name}/delete"): (ADMIN, {}),
    ("GET", "/api/v1/openid"): (ADMIN, {}),
    ("PATCH", "/api/v1/openid"): (ADMIN, {"json": {"client_id": "kit"}}),
    ("GET", "/system/openid"): (ADMIN, {}),
    ("POST", "/system/openid/openid"): (ADMIN, {"data": {"client_id": "kit"}}),
    # Before anyone is signed in: OpenID off, the login page says so (401).
    ("GET", "/login/openid"): (PUBLIC, {}),
    ("GET", "/login/openid/callback"): (PUBLIC, {"params": {"state": "s", "code": "c"}}),
}
"""Accounts > SSH accounts and OpenID: administrators only; logging in with OpenID: anyone."""


FRAME_AND_EDIT_ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    # The language menu: anyone, before logging in too (a logged-in browser's session and CSRF
    # token are checked, and its account keeps the choice).
    ("POST", "/language"): (PUBLIC, {"data": {"language": "sv"}}),
    ("GET", "/help"): (VIEWER, {}),
    ("GET", "/help/{topic}"): (VIEWER, {}),
    ("GET", "/release-notes"): (VIEWER, {}),
    ("GET", "/legal"): (VIEWER, {}),
    ("GET", "/about"): (VIEWER, {}),
    ("GET", "/events/recipients/{recipient_id}/copy"): (VIEWER, {}),
    ("GET", "/events/schedules/{schedule_id}"): (VIEWER, {}),
    ("POST", "/events/schedules/{schedule_id}"): (
        ADMIN,
        {"data": {"kind": "pulse", "name": "Hourly", "interval_s": "3600"}},
    ),
    ("POST", "/system/mqtt/subscriptions/{subscription_id}"): (
        ADMIN,
        {"data": {"filter": "site/+/door", "qos": "1"}},
    ),
}
"""The header's pages (help, release notes, legal, about) and the copy and edit forms."""

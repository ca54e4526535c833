"""Every route against anonymous, viewer, operator and administrator callers: no leaks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route, Router

from actkit_proto.accounts import AddOnvifAccount, AuthSettings, BruteForceSettings
from actkit_proto.mqtt import AddSubscription, SubscriptionSpec
from actkit_proto.network import (
    Firewall,
    FirewallRule,
    HttpSettings,
)
from actkit_proto.system import Location, PowerSettings, TimeSettings

from ..conftest import basic
from ..fake_accounts import FakeAccounts
from ..fake_mqtt import FakeMqtt
from ..fake_settings import FakeSettings
from .role_matrix_apps import APP_ROUTES
from .role_matrix_data import (
    ADMIN,
    BUNDLE,
    CALL,
    CERTIFICATE_ROUTES,
    FRAME_AND_EDIT_ROUTES,
    GROUPS,
    HOOK,
    OPERATOR,
    PAGE_FORMS,
    PUBLIC,
    RANK,
    RULE,
    RULE_FORM,
    SSH_OPENID_ROUTES,
    VIEWER,
    WEEKLY,
    whole,
)
from .role_matrix_why import WHY_ROUTES

# (method, path) -> (least caller that may use it, request to send)
ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/"): (PUBLIC, {}),
    ("GET", "/setup"): (PUBLIC, {}),
    ("POST", "/setup"): (PUBLIC, {"data": {"name": "x"}}),
    ("GET", "/login"): (PUBLIC, {}),
    ("POST", "/login"): (PUBLIC, {"data": {"name": "x", "password": "y"}}),
    ("GET", "/api/v1/setup"): (PUBLIC, {}),
    ("POST", "/api/v1/setup"): (
        PUBLIC,
        {"json": {"name": "x", "password": "y", "accept_licence": True}},
    ),
    ("POST", "/api/v1/session"): (PUBLIC, {"json": {"name": "admin", "password": "secret"}}),
    ("POST", "/axis-cgi/pwdgrp.cgi"): (
        ADMIN,
        {"content": b"action=add&user=new&pwd=pw&grp=users&sgrp=viewer"},
    ),
    ("GET", "/axis-cgi/pwdgrp.cgi"): (ADMIN, {"params": {"action": "get"}}),
    ("GET", "/axis-cgi/wssession.cgi"): (VIEWER, {}),
    ("GET", "/api/docs"): (PUBLIC, {}),
    ("GET", "/status"): (VIEWER, {}),
    ("GET", "/accessories"): (VIEWER, {}),
    ("GET", "/live/ports"): (VIEWER, {}),
    ("POST", "/logout"): (VIEWER, {}),
    ("GET", "/api/v1/session"): (VIEWER, {}),
    ("DELETE", "/api/v1/session"): (VIEWER, {}),
    ("GET", "/api/v1/ports"): (VIEWER, {}),
    ("GET", "/api/v1/ports/{port_id}"): (VIEWER, {}),
    ("POST", "/axis-cgi/apidiscovery.cgi"): (VIEWER, {"json": {**CALL, "method": "getApiList"}}),
    ("POST", "/axis-cgi/basicdeviceinfo.cgi"): (
        VIEWER,
        {"json": {**CALL, "method": "getAllProperties"}},
    ),
    ("GET", "/axis-cgi/param.cgi"): (VIEWER, {"params": {"action": "list", "group": "Brand"}}),
    ("POST", "/axis-cgi/param.cgi"): (VIEWER, {"content": b"action=list&group=root.IOPort"}),
    ("GET", "/axis-cgi/usergroup.cgi"): (VIEWER, {}),
    ("POST", "/axis-cgi/io/portmanagement.cgi"): (
        OPERATOR,
        {"json": {**CALL, "method": "setPorts", "params": [{"port": "1", "state": "closed"}]}},
    ),
    ("POST", "/axis-cgi/mqtt/client.cgi"): (
        VIEWER,
        {"json": {**CALL, "method": "getClientStatus"}},
    ),
    ("POST", "/axis-cgi/mqtt/event.cgi"): (
        VIEWER,
        {"json": {**CALL, "method": "getEventPublicationConfig"}},
    ),
    ("GET", "/axis-cgi/io/port.cgi"): (OPERATOR, {"params": {"action": "2:/"}}),
    ("PUT", "/api/v1/ports/{port_id}/state"): (OPERATOR, {"json": {"is_active": True}}),
    ("POST", "/api/v1/ports/{port_id}/pulse"): (OPERATOR, {"json": {"duration_ms": 100}}),
    ("POST", "/api/v1/simulator/ports/{port_id}/drive"): (OPERATOR, {"json": {"circuit": "open"}}),
    ("POST", "/accessories/{port_id}/state"): (OPERATOR, {"data": {"is_active": "true"}}),
    ("POST", "/simulator/ports/{port_id}/drive"): (OPERATOR, {"data": {"circuit": "open"}}),
    ("PATCH", "/api/v1/ports/{port_id}"): (ADMIN, {"json": {"name": "Lamp"}}),
    ("POST", "/api/v1/simulator/ignition"): (OPERATOR, {"json": {"is_on": True}}),
    ("POST", "/api/v1/simulator/button"): (OPERATOR, {}),
    ("POST", "/accessories/{port_id}/configure"): (ADMIN, {"data": {"name": "Lamp"}}),
    ("POST", "/simulator/ignition"): (OPERATOR, {"data": {"is_on": "true"}}),
    ("POST", "/simulator/button"): (OPERATOR, {}),
    ("GET", "/api/v1/accounts"): (ADMIN, {}),
    ("POST", "/api/v1/accounts"): (ADMIN, {"json": {"name": "new", "password": "pw", "role": 1}}),
    ("PATCH", "/api/v1/accounts/{name}"): (ADMIN, {"json": {"role": 2}}),
    ("DELETE", "/api/v1/accounts/{name}"): (ADMIN, {}),
    ("GET", "/api/v1/security/authentication"): (VIEWER, {}),
    ("PUT", "/api/v1/security/authentication"): (ADMIN, {"json": AuthSettings().model_dump()}),
    ("PATCH", "/api/v1/security/authentication"): (
        ADMIN,
        {"json": {"http_authentication": "auto"}},
    ),
    ("GET", "/api/v1/security/brute-force"): (ADMIN, {}),
    ("PUT", "/api/v1/security/brute-force"): (ADMIN, {"json": BruteForceSettings().model_dump()}),
    ("PATCH", "/api/v1/security/brute-force"): (ADMIN, {"json": {"blocking_period_s": 30}}),
    ("GET", "/api/v1/security/access-log"): (ADMIN, {}),
    ("GET", "/system/accounts"): (ADMIN, {}),
    ("POST", "/system/accounts"): (
        ADMIN,
        {"data": {"name": "new", "password": "pw", "password_again": "pw", "role": "1"}},
    ),
    ("POST", "/system/accounts/{name}"): (ADMIN, {"data": {"role": "2"}}),
    ("POST", "/system/accounts/{name}/delete"): (ADMIN, {}),
    ("GET", "/system/security"): (ADMIN, {}),
    ("POST", "/system/security/authentication"): (ADMIN, {"data": {"http_authentication": "auto"}}),
    ("POST", "/system/security/brute-force"): (
        ADMIN,
        {
            "data": {
                "is_enabled": "true",
                "blocking_period_s": "10",
                "failures_per_page": "20",
                "failures_per_device": "100",
            }
        },
    ),
    ("GET", "/api/v1/rules"): (VIEWER, {}),
    ("GET", "/api/v1/rules/{rule_id}"): (VIEWER, {}),
    ("POST", "/api/v1/rules"): (ADMIN, {"json": RULE}),
    ("PUT", "/api/v1/rules/{rule_id}"): (ADMIN, {"json": RULE}),
    ("PUT", "/api/v1/rules/{rule_id}/enabled"): (ADMIN, {"json": {"is_enabled": False}}),
    ("DELETE", "/api/v1/rules/{rule_id}"): (ADMIN, {}),
    ("GET", "/events/rules"): (VIEWER, {}),
    ("POST", "/events/rules"): (ADMIN, {"data": RULE_FORM}),
    ("GET", "/events/rules/{rule_id}"): (VIEWER, {}),
    ("POST", "/events/rules/{rule_id}"): (ADMIN, {"data": RULE_FORM}),
    ("POST", "/events/rules/{rule_id}/enabled"): (ADMIN, {"data": {"is_enabled": "false"}}),
    ("POST", "/events/rules/{rule_id}/delete"): (ADMIN, {}),
    ("PUT", "/api/v1/triggers/{trigger_id}/state"): (OPERATOR, {"json": {"is_on": True}}),
    ("POST", "/api/v1/triggers/{trigger_id}/fire"): (OPERATOR, {}),
    ("GET", "/api/v1/recipients"): (VIEWER, {}),
    ("POST", "/api/v1/recipients/{recipient_id}/test"): (ADMIN, {}),
    ("GET", "/events/triggers"): (VIEWER, {}),
    ("POST", "/events/triggers/{trigger_id}"): (OPERATOR, {"data": {"operation": "on"}}),
    ("GET", "/events/recipients"): (VIEWER, {}),
    ("POST", "/events/recipients/{recipient_id}/test"): (ADMIN, {}),
    ("POST", "/api/v1/recipients"): (ADMIN, {"json": HOOK}),
    ("POST", "/api/v1/recipients/test"): (ADMIN, {"json": HOOK}),
    ("GET", "/api/v1/recipients/{recipient_id}"): (VIEWER, {}),
    ("PUT", "/api/v1/recipients/{recipient_id}"): (ADMIN, {"json": HOOK}),
    ("DELETE", "/api/v1/recipients/{recipient_id}"): (ADMIN, {}),
    ("GET", "/events/recipients/new"): (VIEWER, {"params": {"type": "email"}}),
    ("POST", "/events/recipients"): (ADMIN, {"data": HOOK}),
    ("GET", "/events/recipients/{recipient_id}"): (VIEWER, {}),
    ("POST", "/events/recipients/{recipient_id}"): (ADMIN, {"data": HOOK}),
    ("POST", "/events/recipients/{recipient_id}/delete"): (ADMIN, {}),
    ("GET", "/api/v1/schedules"): (VIEWER, {}),
    ("POST", "/api/v1/schedules"): (ADMIN, {"json": WEEKLY}),
    ("GET", "/api/v1/schedules/{schedule_id}"): (VIEWER, {}),
    ("PUT", "/api/v1/schedules/{schedule_id}"): (ADMIN, {"json": WEEKLY}),
    ("DELETE", "/api/v1/schedules/{schedule_id}"): (ADMIN, {}),
    ("GET", "/events/schedules"): (VIEWER, {}),
    ("POST", "/events/schedules"): (
        ADMIN,
        {
            "data": {
                "kind": "weekly",
                "name": "Nights",
                "range-0-mon": "true",
                "range-0-start": "22:00",
                "range-0-end": "06:00",
            }
        },
    ),
    ("POST", "/events/schedules/{schedule_id}/delete"): (ADMIN, {}),
    ("GET", "/api/v1/logs/system"): (VIEWER, {"params": {"min_severity": "warning"}}),
    ("GET", "/api/v1/logs/access"): (ADMIN, {}),
    ("GET", "/api/v1/logs/syslog-servers"): (VIEWER, {}),
    ("POST", "/api/v1/logs/syslog-servers"): (ADMIN, {"json": {"host": "logs.example"}}),
    ("POST", "/api/v1/logs/syslog-servers/test"): (ADMIN, {"json": {"host": "logs.example"}}),
    ("DELETE", "/api/v1/logs/syslog-servers/{server_id}"): (ADMIN, {}),
    ("GET", "/system/logs"): (VIEWER, {"params": {"service": "io", "text": "port"}}),
    ("POST", "/system/logs/syslog-servers"): (ADMIN, {"data": {"host": "logs.example"}}),
    ("POST", "/system/logs/syslog-servers/test"): (ADMIN, {"data": {"host": "logs.example"}}),
    ("POST", "/system/logs/syslog-servers/{server_id}/delete"): (ADMIN, {}),
    ("GET", "/api/v1/config"): (VIEWER, {"params": {"group": "IOPort"}}),
    ("PATCH", "/api/v1/config"): (OPERATOR, {"json": {"values": {"IOPort.I1.Name": "Door"}}}),
    ("GET", "/system/plain-config"): (VIEWER, {}),
    ("POST", "/system/plain-config"): (
        OPERATOR,
        {"data": {"section": "IOPort", "IOPort.I1.Name": "Door"}},
    ),
    ("POST", "/api/v1/maintenance/restart"): (ADMIN, {}),
    ("POST", "/api/v1/maintenance/restore"): (ADMIN, {}),
    ("POST", "/api/v1/maintenance/factory-default"): (ADMIN, {}),
    ("GET", "/api/v1/upgrade"): (VIEWER, {}),
    ("GET", "/api/v1/upgrade/settings"): (ADMIN, {}),
    ("POST", "/api/v1/upgrade"): (ADMIN, {"json": {"bundle": BUNDLE}}),
    ("POST", "/api/v1/upgrade/confirm"): (ADMIN, {}),
    ("POST", "/api/v1/upgrade/rollback"): (ADMIN, {}),
    ("GET", "/api/v1/reports/server"): (ADMIN, {}),
    ("GET", "/api/v1/reports/server.zip"): (ADMIN, {}),
    ("GET", "/api/v1/reports/crash.zip"): (ADMIN, {}),
    # Whether a trace runs or is ready: its stage only, for anyone signed in.
    ("GET", "/api/v1/network-trace"): (VIEWER, {}),
    ("POST", "/api/v1/network-trace"): (ADMIN, {"json": {"duration_s": 10}}),
    ("GET", "/api/v1/network-trace/file"): (ADMIN, {}),
    ("GET", "/maintenance"): (ADMIN, {}),
    ("POST", "/maintenance/{action}"): (ADMIN, {"data": {"confirmed": "true"}}),
    ("POST", "/maintenance/upgrade"): (
        ADMIN,
        {"files": {"bundle": ("bundle.json", json.dumps(BUNDLE), "application/json")}},
    ),
    ("POST", "/maintenance/upgrade/{step}"): (ADMIN, {}),
    ("POST", "/maintenance/trace"): (ADMIN, {"data": {"duration_s": "10"}}),
    ("GET", "/live/maintenance"): (VIEWER, {}),
}


SETTINGS_ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/api/v1/system/time"): (VIEWER, {}),
    ("PUT", "/api/v1/system/time"): (ADMIN, whole(TimeSettings(time_zone="Europe/Stockholm"))),
    ("GET", "/api/v1/system/time/status"): (VIEWER, {}),
    ("PUT", "/api/v1/system/time/clock"): (ADMIN, {"json": {"at": "2026-05-04T12:00:00Z"}}),
    ("GET", "/api/v1/system/location"): (VIEWER, {}),
    ("PUT", "/api/v1/system/location"): (ADMIN, whole(Location(latitude=57.7))),
    ("GET", "/api/v1/system/power"): (VIEWER, {}),
    ("PUT", "/api/v1/system/power"): (ADMIN, whole(PowerSettings(is_delayed_shutdown_on=True))),
    ("GET", "/api/v1/system/power/countdown"): (VIEWER, {}),
    ("GET", "/api/v1/network/status"): (VIEWER, {}),
    ("GET", "/api/v1/network/o3c/status"): (ADMIN, {}),
    ("PUT", "/api/v1/network/snmp/v3-password"): (ADMIN, {"json": {"password": "12345678"}}),
    ("POST", "/api/v1/network/wlan/scan"): (VIEWER, {}),
    ("GET", "/api/v1/network/firewall"): (ADMIN, {}),
    ("PUT", "/api/v1/network/firewall"): (
        ADMIN,
        {"json": {"is_active": True, "default_policy": "allow"}},
    ),
    ("POST", "/api/v1/network/firewall/rules"): (
        ADMIN,
        {"json": {"rules": [{"address": "192.0.2.0/24"}], "time_limit_s": 60}},
    ),
    ("POST", "/api/v1/network/firewall/rules/confirm"): (ADMIN, {}),
    ("DELETE", "/api/v1/network/firewall/rules"): (ADMIN, {}),
    ("DELETE", "/api/v1/network/firewall/rules/{index}"): (ADMIN, {}),
    ("GET", "/api/v1/mqtt/client"): (VIEWER, {}),
    ("PATCH", "/api/v1/mqtt/client"): (ADMIN, {"json": {"host": "broker.example"}}),
    ("POST", "/api/v1/mqtt/client/connect"): (ADMIN, {}),
    ("POST", "/api/v1/mqtt/client/disconnect"): (ADMIN, {}),
    ("GET", "/api/v1/mqtt/status"): (VIEWER, {}),
    ("GET", "/api/v1/mqtt/subscriptions"): (VIEWER, {}),
    ("POST", "/api/v1/mqtt/subscriptions"): (ADMIN, {"json": {"filter": "site/+/door"}}),
    ("PUT", "/api/v1/mqtt/subscriptions/{subscription_id}"): (
        ADMIN,
        whole(SubscriptionSpec(filter="a/#")),
    ),
    ("DELETE", "/api/v1/mqtt/subscriptions/{subscription_id}"): (ADMIN, {}),
    ("GET", "/api/v1/onvif/accounts"): (ADMIN, {}),
    ("POST", "/api/v1/onvif/accounts"): (
        ADMIN,
        {"json": {"name": "vms", "password": "pw", "role": "media"}},
    ),
    ("PATCH", "/api/v1/onvif/accounts/{name}"): (ADMIN, {"json": {"role": "operator"}}),
    ("DELETE", "/api/v1/onvif/accounts/{name}"): (ADMIN, {}),
    ("GET", "/api/v1/ble/adapter"): (VIEWER, {}),
    ("GET", "/system/onvif"): (ADMIN, {}),
    ("POST", "/system/time/clock"): (ADMIN, {"data": {"at": "2026-05-04T12:00:00"}}),
    ("POST", "/system/network/snmp-v3-password"): (ADMIN, {"data": {"password": "12345678"}}),
    ("POST", "/system/firewall/rules"): (ADMIN, {"data": {"address": "192.0.2.7"}}),
    ("POST", "/system/firewall/rules/confirm"): (ADMIN, {}),
    ("POST", "/system/firewall/rules/delete"): (ADMIN, {}),
    ("POST", "/system/firewall/rules/{index}/delete"): (ADMIN, {}),
    ("POST", "/system/mqtt/connect"): (ADMIN, {}),
    ("POST", "/system/mqtt/disconnect"): (ADMIN, {}),
    ("POST", "/system/mqtt/subscriptions"): (ADMIN, {"data": {"filter": "site/+/window"}}),
    ("POST", "/system/mqtt/subscriptions/{subscription_id}/delete"): (ADMIN, {}),
    ("POST", "/system/onvif/accounts"): (
        ADMIN,
        {"data": {"name": "vms", "password": "pw", "role": "media"}},
    ),
    ("POST", "/system/onvif/accounts/{name}"): (ADMIN, {"data": {"role": "operator"}}),
    ("POST", "/system/onvif/accounts/{name}/delete"): (ADMIN, {}),
}
"""The System settings: the REST routes made from a table, the pages' actions."""
for path, group in GROUPS.items():
    SETTINGS_ROUTES[("GET", path)] = (VIEWER, {})
    SETTINGS_ROUTES[("PUT", path)] = (ADMIN, whole(group()))
SETTINGS_ROUTES[("GET", "/api/v1/network/dot1x")] = (ADMIN, {})  # Security: the identity
SETTINGS_ROUTES[("GET", "/api/v1/network/http")] = (VIEWER, {})
SETTINGS_ROUTES[("PUT", "/api/v1/network/http")] = (
    OPERATOR,
    whole(HttpSettings(http_port=8080)) | {"params": {"confirm": "true"}},
)
for page, forms in PAGE_FORMS.items():
    SETTINGS_ROUTES[("GET", page)] = (VIEWER, {})
    for form in forms:
        SETTINGS_ROUTES[("POST", f"{page}/{form}")] = (ADMIN, {"data": {}})
SETTINGS_ROUTES[("GET", "/system/network")] = (VIEWER, {})
SETTINGS_ROUTES[("GET", "/system/firewall")] = (ADMIN, {})  # which addresses get in
SETTINGS_ROUTES[("POST", "/system/network/http")] = (OPERATOR, {"data": {"http_port": "8080"}})
SETTINGS_ROUTES[("POST", "/system/time/time")] = (ADMIN, {"data": {"time_zone": "UTC"}})
SETTINGS_ROUTES[("POST", "/system/network/ipv4")] = (ADMIN, {"data": {"is_dhcp": "true"}})
SETTINGS_ROUTES[("POST", "/system/network/dns")] = (ADMIN, {"data": {"is_auto": "true"}})
SETTINGS_ROUTES[("POST", "/system/wlan/wlan")] = (ADMIN, {"data": {"ipv4.is_dhcp": "true"}})
SETTINGS_ROUTES[("POST", "/system/firewall/firewall")] = (
    ADMIN,
    {"data": {"default_policy": "deny"}},
)
ROUTES.update(SETTINGS_ROUTES)
ROUTES.update(CERTIFICATE_ROUTES)
ROUTES.update(SSH_OPENID_ROUTES)
ROUTES.update(FRAME_AND_EDIT_ROUTES)
ROUTES.update(APP_ROUTES)
ROUTES.update(WHY_ROUTES)
# Port 1 is the input (driven), port 2 the output (set).
PORT_FOR = {"drive": "1"}
IDS = {"{schedule_id}": "1", "{server_id}": "1", "{step}": "confirm", "{action}": "restart"}
IDS |= {"{topic}": "status"}
IDS |= {"{index}": "0", "{subscription_id}": "1", "{cert_id}": "isrg-root-x1"}
IDS |= {"{path:path}": "trip-log.csv"}


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        # Included routers keep their routes, with the prefix, on the original router.
        included = getattr(route, "original_router", None)
        for inner in included.routes if included is not None else [route]:
            if isinstance(inner, APIRoute):
                found |= {(method, inner.path) for method in inner.methods}
        if isinstance(route, Mount) and isinstance(route.app, Router):  # the VAPIX CGIs
            for cgi in route.routes:
                assert isinstance(cgi, Route)
                found |= {(method, route.path + cgi.path) for method in cgi.methods or ()}
    return found


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    assert _routes(app) == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
async def test_route_answers_each_caller_by_role(
    client: httpx.AsyncClient,
    accounts: FakeAccounts,
    owners: FakeSettings,
    mqtt: FakeMqtt,
    method: str,
    path: str,
) -> None:
    """Each caller in turn, lowest role first, on one app (building an app's routes costs most).

    The callers below the least that may use the route go first and are refused, so that one
    meets the settings as they were set up; the callers above it may meet what it changed.
    """
    least, request = ROUTES[(method, path)]
    accounts.is_setup_required = False
    url = path.replace("{port_id}", PORT_FOR.get(path.rsplit("/", 1)[-1], "2"))
    url = url.replace("{name}", "view").replace("{rule_id}", "1")
    url = url.replace("{trigger_id}", "3").replace("{recipient_id}", "1")
    for name, value in IDS.items():
        url = url.replace(name, value)
    await _existing_settings(owners, mqtt)
    for caller in sorted(RANK, key=RANK.__getitem__):
        if path.startswith("/live/") and RANK[caller] >= RANK[least]:
            continue  # an endless stream: the browser test covers it
        headers = basic(caller) if caller != PUBLIC else {}
        response = await client.request(method, url, headers=headers, **request)
        _assert_answers_by_role(response, path, url, caller, least)


def _assert_answers_by_role(
    response: httpx.Response, path: str, url: str, caller: str, least: str
) -> None:
    status = response.status_code
    said = f"{caller}: {status} {response.text}"
    if RANK[caller] >= RANK[least]:
        # An app's own page: the stand-in's app is stopped, which its page says with a 503.
        is_app_away = status == 503 and "{path:path}" in path
        assert (
            status < 400 or (status in (400, 401, 409, 422) and least == PUBLIC) or is_app_away
        ), said
    elif caller == PUBLIC:
        is_page = not url.startswith(("/api/", "/axis-cgi/"))
        if is_page:
            assert status == 303, said
            assert response.headers["location"].startswith("/login")
        else:
            assert status == 401, said
            assert response.headers["www-authenticate"].startswith("Digest "), said
    else:
        assert status == 403, said


async def _existing_settings(owners: FakeSettings, mqtt: FakeMqtt) -> None:
    """What the routes with an id or a precondition act on: a rule, a subscription, a broker."""
    owners.firewall = Firewall(active_rules=[FirewallRule(protocol="tcp", port=22)])
    await owners.add_subscription(AddSubscription(spec=SubscriptionSpec(filter="site/#")))
    mqtt.settings = mqtt.settings.model_copy(update={"host": "broker.example"})
    await owners.add_onvif(AddOnvifAccount(name="view", password="pw", role="media"))

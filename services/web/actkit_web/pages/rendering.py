"""The dashboard's frame: its menu, by the caller's role, and how every page is rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from actkit_proto.accounts import (
    GetBruteForceSettings,
    GetOpenIdSettings,
    GetSshAccounts,
    ListAccounts,
    ListCertificates,
    ListOnvifAccounts,
)
from actkit_proto.base import Command
from actkit_proto.ble import GetBeaconSettings
from actkit_proto.events import ListRecipients, ListRules, ListSchedules, SetManualTrigger
from actkit_proto.io import ListPorts
from actkit_proto.mqtt import GetClientSettings
from actkit_proto.network import GetFirewall, GetIpv4, GetWlan
from actkit_proto.system import (
    GetPowerSettings,
    GetTimeSettings,
    ListPlainConfig,
    ListSystemLog,
    Restart,
)
from actkit_web.http.auth import Caller

templates = Jinja2Templates(directory=Path(__file__).parents[1] / "templates")


MENU: tuple[tuple[str, str, type[Command[Any]]], ...] = (
    ("/status", "Status", ListPorts),
    ("/accessories", "Accessories", ListPorts),
    ("/events/rules", "Rules", ListRules),
    ("/events/triggers", "Manual triggers", SetManualTrigger),
    ("/events/recipients", "Recipients", ListRecipients),
    ("/events/schedules", "Schedules", ListSchedules),
    ("/system/accounts", "Accounts", ListAccounts),
    ("/system/ssh", "SSH accounts", GetSshAccounts),
    ("/system/openid", "OpenID", GetOpenIdSettings),
    ("/system/security", "Security", GetBruteForceSettings),
    ("/system/certificates", "Certificates", ListCertificates),
    ("/system/time", "Time and location", GetTimeSettings),
    ("/system/network", "Network", GetIpv4),
    ("/system/wlan", "WLAN", GetWlan),
    ("/system/firewall", "Firewall and 802.1X", GetFirewall),
    ("/system/mqtt", "MQTT", GetClientSettings),
    ("/system/onvif", "ONVIF", ListOnvifAccounts),
    ("/system/power", "Power settings", GetPowerSettings),
    ("/system/ble", "BLE beacons", GetBeaconSettings),
    ("/system/logs", "Logs", ListSystemLog),
    ("/system/plain-config", "Plain config", ListPlainConfig),
    ("/maintenance", "Maintenance", Restart),
)
"""The pages and the command each one shows first: a page is listed if the caller may send it."""


def render_page(request: Request, template: str, caller: Caller | None, **context: Any) -> Response:
    """A dashboard page, with the menu the caller's role allows and the form CSRF token."""
    status = context.pop("status_code", 200)
    csrf = caller.session.csrf_token if caller and caller.session else ""
    role = caller.identity.role if caller and caller.identity else None
    menu = [
        (href, label) for href, label, command in MENU if role and role >= command.required_role
    ]
    return templates.TemplateResponse(
        request,
        template,
        {"caller": caller, "csrf_token": csrf, "menu": menu, **context},
        status_code=status,
    )

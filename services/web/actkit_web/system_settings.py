"""The System settings pages: their forms, what they show beside them, and their actions.

Time and location, Power settings, Network, WLAN, Firewall and 802.1X, MQTT, ONVIF and
BLE beacons. Actions that are not a whole settings group (test firewall rules, connect MQTT,
ONVIF accounts) have a route each here, calling the REST route functions.
"""

from __future__ import annotations

import time
import typing
from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from actkit_core.bus import check_role
from actkit_proto.accounts import (
    AddOnvifAccount,
    DeleteOnvifAccount,
    OnvifRole,
    UpdateOnvifAccount,
)
from actkit_proto.base import Command
from actkit_proto.ble import SetBeaconSettings
from actkit_proto.errors import BusError
from actkit_proto.mqtt import (
    AddSubscription,
    RemoveSubscription,
    SetClientSettings,
    SetHomeAssistant,
    SetPublication,
    Transport,
)
from actkit_proto.network import (
    AddFirewallRule,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    FirewallPolicy,
    FirewallProtocol,
    FirewallRule,
    SetDiscovery,
    SetDns,
    SetDot1x,
    SetFirewall,
    SetHostname,
    SetHttp,
    SetIpv4,
    SetIpv6,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
    SetWlan,
)
from actkit_proto.system import (
    SetDateTime,
    SetLocation,
    SetPowerSettings,
    SetTimeSettings,
    SyncMode,
)
from actkit_web.api import ble, firewall, mqtt, network, onvif, system, wlan
from actkit_web.forms import REFUSALS
from actkit_web.http.auth import Caller
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep, command_from_fields
from actkit_web.http.ids import PathId
from actkit_web.settings_pages import SettingsForm, SettingsPage, render_settings

ONVIF_ROLES: tuple[str, ...] = typing.get_args(OnvifRole)
FIREWALL_PROTOCOLS = sorted(
    FirewallProtocol, key=lambda protocol: protocol != FirewallRule.model_fields["protocol"].default
)
"""The protocols a rule matches, the default (any) first."""


async def _time_extras(bus: ActingBus, _request: Request) -> dict[str, Any]:
    time_status = await _maybe(system.get_time_status(bus=bus))
    return {
        "time_status": time_status,
        "is_custom": time_status is not None and time_status.sync_mode is SyncMode.CUSTOM,
    }


async def _power_extras(_bus: ActingBus, request: Request) -> dict[str, Any]:
    return {"countdown": await system.current_countdown(request.app.state.bus)}


async def _network_extras(bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {
        "network_status": await _maybe(network.get_status(bus=bus)),
        "snmp": await network.get_snmp(bus=bus),
    }


async def _wlan_extras(bus: ActingBus, _request: Request) -> dict[str, Any]:
    try:
        return {"scan": await wlan.scan_wlan(bus=bus), "scan_error": ""}
    except BusError as exc:
        return {"scan": None, "scan_error": exc.message}


async def _firewall_extras(bus: ActingBus, _request: Request) -> dict[str, Any]:
    state = await firewall.get_firewall(bus=bus)
    left_s = max(0, round(state.test_deadline - time.time())) if state.test_deadline else None
    return {
        "firewall": state,
        "test_left_s": left_s,
        "protocols": [protocol.value for protocol in FIREWALL_PROTOCOLS],
        "policies": [policy.value for policy in FirewallPolicy],
        "time_limit_s": AddFirewallRule.model_fields["time_limit_s"].default,
    }


async def _mqtt_extras(bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {
        "mqtt_status": await mqtt.get_status(bus=bus),
        "subscriptions": (await mqtt.list_subscriptions(bus=bus)).subscriptions,
        "default_ports": {transport.value: transport.default_port for transport in Transport},
    }


async def _onvif_extras(bus: ActingBus, _request: Request) -> dict[str, Any]:
    listed = await onvif.list_accounts(bus=bus)
    return {"onvif": listed, "onvif_roles": ONVIF_ROLES}


async def _ble_extras(bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {"adapter": await _maybe(ble.get_adapter(bus=bus))}


async def _maybe(reading: Awaitable[Any]) -> Any:
    """A status shown beside the forms; the page still shows when its owner cannot tell."""
    try:
        return await reading
    except BusError:
        return None


PAGES = (
    SettingsPage(
        "/system/time",
        "Time and location",
        "We recommend you synchronize the device's date and time with an NTP server. The "
        "system uses the date and time settings in all logs and system settings.",
        (
            SettingsForm("time", "Date and time", system.get_time, SetTimeSettings),
            SettingsForm(
                "location",
                "Device location",
                system.get_location,
                SetLocation,
                "Enter where the device is located. Your video management system can use this "
                "information to place the device on a map.",
            ),
        ),
        "settings_time.html",
        _time_extras,
    ),
    SettingsPage(
        "/system/power",
        "Power settings",
        "If the device has been without power before it is turned on, a delay occurs before "
        "Delayed shutdown is activated.",
        (SettingsForm("power", "Delayed shutdown", system.get_power, SetPowerSettings),),
        "settings_power.html",
        _power_extras,
    ),
    SettingsPage(
        "/system/network",
        "Network",
        "How the device is reached on the wired network, and how it announces itself.",
        (
            SettingsForm("ipv4", "IPv4", network.get_ipv4, SetIpv4),
            SettingsForm("ipv6", "IPv6", network.get_ipv6, SetIpv6),
            SettingsForm("hostname", "Hostname", network.get_hostname, SetHostname),
            SettingsForm("dns", "DNS servers", network.get_dns, SetDns),
            SettingsForm(
                "http",
                "HTTP and HTTPS",
                network.get_http,
                SetHttp,
                "HTTPS encrypts page requests and the pages returned; it needs an HTTPS "
                "certificate (System > Security).",
            ),
            SettingsForm(
                "discovery", "Network discovery protocols", network.get_discovery, SetDiscovery
            ),
            SettingsForm(
                "o3c",
                "One-click cloud connection",
                network.get_o3c,
                SetO3c,
                "O3C together with an O3C service provides secure internet access to the "
                "device from any location.",
            ),
            SettingsForm(
                "snmp",
                "SNMP",
                network.get_snmp,
                SetSnmp,
                "The Simple Network Management Protocol (SNMP) allows remote management of "
                "network devices.",
            ),
        ),
        "settings_network.html",
        _network_extras,
    ),
    SettingsPage(
        "/system/wlan",
        "WLAN",
        "The device switches to the wireless connection when you disconnect the ethernet cable.",
        (
            SettingsForm(
                "wlan",
                "Configure custom network",
                wlan.get_wlan,
                SetWlan,
                "Add a wireless network, also one that doesn't broadcast its SSID (name). "
                "Contact your network administrator to get the required settings.",
            ),
        ),
        "settings_wlan.html",
        _wlan_extras,
    ),
    SettingsPage(
        "/system/firewall",
        "Firewall and 802.1X",
        "Which connections the device accepts, and how it authenticates to the network.",
        (
            SettingsForm("firewall", "Firewall", firewall.get_firewall, SetFirewall),
            SettingsForm(
                "dot1x",
                "IEEE 802.1x and IEEE 802.1AE MACsec",
                network.get_dot1x,
                SetDot1x,
                "Port-based network admission control (EAP), or MACsec with a static CAK. "
                "Without a CA certificate, server certificate validation is disabled.",
            ),
        ),
        "settings_firewall.html",
        _firewall_extras,
    ),
    SettingsPage(
        "/system/mqtt",
        "MQTT",
        "Set up the device as an MQTT client. The clients send and receive messages; the "
        "broker routes messages between clients.",
        (
            SettingsForm("client", "MQTT client", mqtt.get_client, SetClientSettings),
            SettingsForm("publication", "MQTT publication", mqtt.get_publication, SetPublication),
            SettingsForm(
                "home-assistant", "Home Assistant", mqtt.get_home_assistant, SetHomeAssistant
            ),
        ),
        "settings_mqtt.html",
        _mqtt_extras,
    ),
    SettingsPage(
        "/system/onvif",
        "ONVIF",
        "ONVIF accounts are used for ONVIF communication; it is on while there is one.",
        (),
        "settings_onvif.html",
        _onvif_extras,
    ),
    SettingsPage(
        "/system/ble",
        "BLE beacons",
        "The beacons the device sends and which camera systems' beacons it reacts to.",
        (SettingsForm("ble", "Beacon settings", ble.get_settings, SetBeaconSettings),),
        "settings_ble.html",
        _ble_extras,
    ),
)
BY_PATH = {page.path: page for page in PAGES}
router = APIRouter(prefix="/system", include_in_schema=False)


async def _act(
    request: Request,
    caller: Caller,
    bus: ActingBus,
    page: str,
    key: str,
    command_type: type[Command[Any]],
    **fields: object,
) -> Response:
    """Send one action's command (the one its REST route sends); a refusal is shown beside it.

    The caller's role is checked first, so that who may not act learns that, not a field's rule.
    """
    check_role(command_type.model_construct(actor=bus.actor))
    try:
        await bus.request(command_from_fields(command_type, **fields))
    except REFUSALS as exc:
        return await render_settings(
            request, caller, bus, BY_PATH[page], {key: exc.message}, status_code=400
        )
    return RedirectResponse(f"{page}#{key}", status_code=303)


@router.post("/time/clock")
async def set_clock(
    request: Request, caller: CallerDep, bus: ActingBusDep, at: Annotated[str, Form()] = ""
) -> Response:
    """Custom date and time: typed as the device's local time, or the browser's clock in UTC.

    Sent as typed: system reads a time without a UTC offset in the device's time zone.
    """
    return await _act(request, caller, bus, "/system/time", "clock", SetDateTime, at=at)


@router.post("/network/snmp-v3-password")
async def set_snmp_v3_password(
    request: Request, caller: CallerDep, bus: ActingBusDep, password: Annotated[str, Form()] = ""
) -> Response:
    return await _act(
        request, caller, bus, "/system/network", "snmp-v3", SetSnmpV3Password, password=password
    )


@router.post("/firewall/rules")
async def add_firewall_rule(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    address: Annotated[str, Form()] = "",
    protocol: Annotated[str, Form()] = "any",
    port: Annotated[str, Form()] = "",
    policy: Annotated[str, Form()] = "allow",
    time_limit_s: Annotated[str, Form()] = "300",
) -> Response:
    """Test the active rules and one more; they revert unless confirmed within the time limit."""
    rule = {"address": address or None, "protocol": protocol, "port": port or None}
    return await _act(
        request,
        caller,
        bus,
        "/system/firewall",
        "rules",
        AddFirewallRule,
        rule={**rule, "policy": policy},
        time_limit_s=time_limit_s,
    )


@router.post("/firewall/rules/confirm")
async def confirm_firewall_rules(
    request: Request, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await _act(request, caller, bus, "/system/firewall", "rules", ConfirmFirewallRules)


@router.post("/firewall/rules/delete")
async def delete_firewall_rules(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await _act(request, caller, bus, "/system/firewall", "rules", DeleteFirewallRules)


@router.post("/firewall/rules/{index}/delete")
async def delete_firewall_rule(
    request: Request, index: int, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await _act(
        request, caller, bus, "/system/firewall", "rules", DeleteFirewallRule, index=index
    )


@router.post("/mqtt/connect")
async def connect_mqtt(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The manual's Connect switch, on: connect to the broker and keep connecting."""
    return await _act(
        request, caller, bus, "/system/mqtt", "client", SetClientSettings, is_enabled=True
    )


@router.post("/mqtt/disconnect")
async def disconnect_mqtt(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    """The manual's Connect switch, off: disconnect from the broker and stay so."""
    return await _act(
        request, caller, bus, "/system/mqtt", "client", SetClientSettings, is_enabled=False
    )


@router.post("/mqtt/subscriptions")
async def add_subscription(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    filter: Annotated[str, Form()] = "",
    uses_device_prefix: Annotated[bool, Form()] = False,
    is_stateful: Annotated[bool, Form()] = False,
    qos: Annotated[str, Form()] = "0",
) -> Response:
    spec = {
        "filter": filter,
        "uses_device_prefix": uses_device_prefix,
        "is_stateful": is_stateful,
        "qos": qos,
    }
    return await _act(
        request, caller, bus, "/system/mqtt", "subscriptions", AddSubscription, spec=spec
    )


@router.post("/mqtt/subscriptions/{subscription_id}/delete")
async def remove_subscription(
    request: Request, subscription_id: PathId, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await _act(
        request,
        caller,
        bus,
        "/system/mqtt",
        "subscriptions",
        RemoveSubscription,
        subscription_id=subscription_id,
    )


@router.post("/onvif/accounts")
async def add_onvif_account(
    request: Request,
    caller: CallerDep,
    bus: ActingBusDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "media",
) -> Response:
    return await _act(
        request,
        caller,
        bus,
        "/system/onvif",
        "add",
        AddOnvifAccount,
        name=name,
        password=password,
        role=role,
    )


@router.post("/onvif/accounts/{name}")
async def update_onvif_account(
    request: Request,
    name: str,
    caller: CallerDep,
    bus: ActingBusDep,
    password: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "media",
) -> Response:
    return await _act(
        request,
        caller,
        bus,
        "/system/onvif",
        f"account-{name}",
        UpdateOnvifAccount,
        name=name,
        password=password or None,
        role=role,
    )


@router.post("/onvif/accounts/{name}/delete")
async def delete_onvif_account(
    request: Request, name: str, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await _act(
        request, caller, bus, "/system/onvif", f"account-{name}", DeleteOnvifAccount, name=name
    )

"""System > Firewall and 802.1X: the firewall, its rules under test, and network admission."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import Response

from actkit_proto.network import (
    AddFirewallRule,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    FirewallPolicy,
    FirewallProtocol,
    FirewallRule,
    SetDot1x,
    SetFirewall,
)
from actkit_web.api import firewall, network
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep
from actkit_web.pages.certificates import eap_options
from actkit_web.pages.settings_page import SettingsForm, SettingsPage, act, page_router

FIREWALL_PROTOCOLS = sorted(
    FirewallProtocol, key=lambda protocol: protocol != FirewallRule.model_fields["protocol"].default
)
"""The protocols a rule matches, the default (any) first."""


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    state = await firewall.get_firewall(bus=bus)
    left_s = max(0, round(state.test_deadline - time.time())) if state.test_deadline else None
    return {
        "firewall": state,
        "test_left_s": left_s,
        "protocols": [protocol.value for protocol in FIREWALL_PROTOCOLS],
        "policies": [policy.value for policy in FirewallPolicy],
        "time_limit_s": AddFirewallRule.model_fields["time_limit_s"].default,
    }


PAGE = SettingsPage(
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
            "Certificates are chosen from the store (System > Certificates); without a CA "
            "certificate, server certificate validation is disabled.",
            eap_options,
        ),
    ),
    "settings_firewall.html",
    _beside,
)
router = page_router(PAGE)


@router.post("/system/firewall/rules")
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
    return await act(
        request,
        caller,
        bus,
        PAGE,
        "rules",
        AddFirewallRule,
        rule={**rule, "policy": policy},
        time_limit_s=time_limit_s,
    )


@router.post("/system/firewall/rules/confirm")
async def confirm_firewall_rules(
    request: Request, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await act(request, caller, bus, PAGE, "rules", ConfirmFirewallRules)


@router.post("/system/firewall/rules/delete")
async def delete_firewall_rules(request: Request, caller: CallerDep, bus: ActingBusDep) -> Response:
    return await act(request, caller, bus, PAGE, "rules", DeleteFirewallRules)


@router.post("/system/firewall/rules/{index}/delete")
async def delete_firewall_rule(
    request: Request, index: int, caller: CallerDep, bus: ActingBusDep
) -> Response:
    return await act(request, caller, bus, PAGE, "rules", DeleteFirewallRule, index=index)

"""REST: the firewall: its switch and policy, rules under test, confirm and revert."""

from __future__ import annotations

from fastapi import APIRouter

from actkit_proto.network import (
    AddFirewallRules,
    ConfirmFirewallRules,
    DeleteFirewallRule,
    DeleteFirewallRules,
    GetFirewall,
    SetFirewall,
)
from actkit_web.api.commands import expose

router = APIRouter(prefix="/api/v1/network/firewall", tags=["firewall"])

get_firewall = expose(router, "GET", "", GetFirewall)
set_firewall = expose(router, "PUT", "", SetFirewall)
add_rules = expose(router, "POST", "/rules", AddFirewallRules)
confirm_rules = expose(router, "POST", "/rules/confirm", ConfirmFirewallRules)
delete_rules = expose(router, "DELETE", "/rules", DeleteFirewallRules)
delete_rule = expose(router, "DELETE", "/rules/{index}", DeleteFirewallRule)

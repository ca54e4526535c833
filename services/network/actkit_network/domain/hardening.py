"""The network service's part of the security summary: encryption and the firewall."""

from __future__ import annotations

from actkit_proto.network import Firewall, FirewallPolicy, HttpAccess, HttpSettings
from actkit_proto.service import Finding

ACCESS = {
    HttpAccess.HTTP: "HTTP only",
    HttpAccess.HTTPS: "HTTPS only",
    HttpAccess.BOTH: "HTTP and HTTPS",
}


def findings(http: HttpSettings, firewall: Firewall) -> list[Finding]:
    """Whether the web interface is encrypted, and whether the firewall denies by default."""
    is_https_only = http.access is HttpAccess.HTTPS
    denies = firewall.is_active and firewall.default_policy is FirewallPolicy.DENY
    if not firewall.is_active:
        firewall_state = "off"
    else:
        firewall_state = f"on, {'denies' if denies else 'allows'} by default"
    return [
        Finding.judged(
            "HTTPS",
            ACCESS[http.access],
            is_weak=not is_https_only,
            advice="Allow access through HTTPS only (System > Network > HTTP and HTTPS): "
            "over HTTP, passwords and settings travel unencrypted.",
        ),
        Finding.judged(
            "Default-deny firewall",
            firewall_state,
            is_weak=not denies,
            advice="Turn on the firewall with the default policy Deny, and allow only the "
            "addresses and ports that need the device (System > Security > Firewall).",
        ),
    ]

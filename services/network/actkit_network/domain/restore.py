"""What a restore keeps: the manual's list (boot protocol, IP, router, mask, 802.1X, O3C, DNS)."""

from __future__ import annotations

from pydantic import BaseModel

from actkit_proto.network import DnsSettings, Dot1xSettings, Ipv4Settings, O3cSettings, SnmpSettings


def kept_ipv4(stored: Ipv4Settings) -> Ipv4Settings:
    """Boot protocol (DHCP or static), static IP address, default router and subnet mask.

    The static fallback is not on the list: it is turned off.

    >>> from ipaddress import IPv4Address as A
    >>> kept = kept_ipv4(Ipv4Settings(is_dhcp=True, has_fallback=True, address=A("192.0.2.9"),
    ...                               subnet_mask=A("255.255.255.0")))
    >>> kept.is_dhcp, kept.has_fallback, str(kept.address)
    (True, False, '192.0.2.9')
    """
    return Ipv4Settings(
        is_dhcp=stored.is_dhcp,
        address=stored.address,
        subnet_mask=stored.subnet_mask,
        router=stored.router,
    )


def kept_dns(stored: DnsSettings) -> DnsSettings:
    """The DNS server addresses (and whether they are used instead of DHCP's); not the domains."""
    return DnsSettings(is_auto=stored.is_auto, servers=stored.servers)


def kept_snmp(stored: SnmpSettings) -> SnmpSettings:
    """SNMP goes back to its defaults; only a factory default lets the v3 password be set again."""
    return SnmpSettings(has_v3_password=stored.has_v3_password)


def kept_groups(
    ipv4: Ipv4Settings,
    dns: DnsSettings,
    dot1x: Dot1xSettings,
    o3c: O3cSettings,
    snmp: SnmpSettings,
) -> list[BaseModel]:
    """Every settings group as it is after a restore; groups not listed go back to defaults."""
    return [kept_ipv4(ipv4), kept_dns(dns), dot1x, o3c, kept_snmp(snmp)]

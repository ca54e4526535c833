"""Dynamic DNS (RFC 2136): which record to register, in which zone, at which server."""

from __future__ import annotations

from dataclasses import dataclass

from actkit_proto.network import DnsSettings, HostnameSettings


@dataclass(frozen=True)
class DnsRegistration:
    """The A records of ``name`` in ``zone`` become ``addresses``."""

    server: str
    zone: str
    name: str
    ttl_s: int
    addresses: tuple[str, ...]


def registration(
    hostname: HostnameSettings, dns: DnsSettings, addresses: list[str]
) -> DnsRegistration | None:
    """What to send the DNS server, or None when there is nothing to update.

    The update goes to the first DNS server, in the zone of the first search domain; with
    automatic DNS neither is known here, so nothing is sent; nor without an IPv4 address.

    >>> from ipaddress import IPv4Address as A
    >>> dns = DnsSettings(is_auto=False, servers=[A("192.0.2.53")], search_domains=["a.example"])
    >>> on = HostnameSettings(is_ddns_enabled=True, ddns_name="car-12", ddns_ttl_s=60)
    >>> wanted = registration(on, dns, ["192.0.2.10/24", "fe80::1/64"])
    >>> wanted.server, wanted.zone, wanted.name, wanted.ttl_s, wanted.addresses
    ('192.0.2.53', 'a.example', 'car-12', 60, ('192.0.2.10',))
    >>> registration(HostnameSettings(), dns, ["192.0.2.10/24"]) is None
    True
    >>> registration(on, dns, ["fe80::1/64"]) is None
    True
    """
    if not hostname.is_ddns_enabled or hostname.ddns_name is None:
        return None
    if dns.is_auto or not dns.servers or not dns.search_domains:
        return None
    ipv4 = tuple(
        address.split("/", 1)[0] for address in addresses if ":" not in address.split("/", 1)[0]
    )
    if not ipv4:
        return None
    return DnsRegistration(
        server=str(dns.servers[0]),
        zone=dns.search_domains[0].rstrip("."),
        name=hostname.ddns_name,
        ttl_s=hostname.ddns_ttl_s,
        addresses=ipv4,
    )

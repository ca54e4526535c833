"""What several network groups share: names, addresses, ports, secrets and their checks."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, Field

_LABEL = re.compile(r"^[A-Za-z0-9-]+$")
_HEX = re.compile(r"^[0-9A-Fa-f]*$")


def _check_label(value: str) -> str:
    if not _LABEL.match(value):
        raise ValueError("use only the characters A-Z, a-z, 0-9 and -")
    if value.startswith("-") or value.endswith("-"):
        raise ValueError("must not begin or end with -")
    return value


def _check_domain(value: str) -> str:
    labels = value.rstrip(".").split(".")
    if not value or len(value) > 253 or not all(labels):
        raise ValueError(f"{value!r} is not a domain name")
    for label in labels:
        if len(label) > 63 or not _LABEL.match(label) or label[0] == "-" or label[-1] == "-":
            raise ValueError(f"{value!r} is not a domain name: labels use A-Z, a-z, 0-9 and -")
    return value


def _check_host(value: str) -> str:
    """An IP address or a host name."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        _check_domain(value)
    return value


def _check_netmask(value: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    bits = int.from_bytes(value.packed, "big")  # int(value) warns when built from a bool
    inverted = ~bits & 0xFFFFFFFF
    if bits == 0 or inverted & (inverted + 1):
        raise ValueError(f"{value} is not a subnet mask, e.g. 255.255.255.0 (ones contiguous)")
    return value


def _check_firewall_address(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        raise ValueError(
            f"{value!r} is not an IPv4 or IPv6 address or CIDR network, e.g. 192.0.2.7, "
            "192.0.2.0/24 or 2001:db8::/32"
        ) from None


Hostname = Annotated[str, Field(min_length=1, max_length=63), AfterValidator(_check_label)]
DomainName = Annotated[str, AfterValidator(_check_domain)]
HostAddress = Annotated[str, Field(max_length=253), AfterValidator(_check_host)]
SubnetMask = Annotated[ipaddress.IPv4Address, AfterValidator(_check_netmask)]
PortNumber = Annotated[int, Field(ge=1, le=65535, description="A TCP/UDP port, 1-65535.")]
FriendlyName = Annotated[str, Field(min_length=1, max_length=63)]
Community = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
Secret = Annotated[str, Field(min_length=1, max_length=256)]
FirewallAddress = Annotated[str, AfterValidator(_check_firewall_address)]


CUTS_OFF = (
    "Apply a change that may cut the device off the network it is reached on; without it such "
    "a change is refused, saying what it would cut."
)

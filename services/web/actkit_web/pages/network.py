"""System > Network: IPv4, IPv6, hostname, DNS, HTTP and HTTPS, discovery, O3C and SNMP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from starlette.responses import Response

from actkit_proto.network import (
    SetDiscovery,
    SetDns,
    SetHostname,
    SetHttp,
    SetIpv4,
    SetIpv6,
    SetO3c,
    SetSnmp,
    SetSnmpV3Password,
)
from actkit_web.api import network
from actkit_web.http.deps import ActingBus, ActingBusDep, CallerDep
from actkit_web.pages.certificates import store_options
from actkit_web.pages.settings_page import (
    Options,
    SettingsForm,
    SettingsPage,
    act,
    page_router,
    status_or_none,
)


async def _beside(bus: ActingBus, _request: Request) -> dict[str, Any]:
    return {
        "network_status": await status_or_none(network.get_status(bus=bus)),
        "snmp": await network.get_snmp(bus=bus),
        # Administrators only (the owner authentication key): others see no such section.
        "o3c_status": await status_or_none(network.get_o3c_status(bus=bus)),
    }


async def _https_certificates(bus: ActingBus) -> Options:
    return {"certificate": await store_options(bus, "client-server", needs_key=True)}


async def _cloud_certificates(bus: ActingBus) -> Options:
    return {
        "client_certificate": await store_options(bus, "client-server", needs_key=True),
        "ca_certificate": await store_options(bus, "ca"),
    }


PAGE = SettingsPage(
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
            "HTTPS encrypts page requests and the pages returned; it serves the certificate "
            "chosen here from the store (System > Certificates), from the next connection on.",
            _https_certificates,
        ),
        SettingsForm(
            "discovery", "Network discovery protocols", network.get_discovery, SetDiscovery
        ),
        SettingsForm(
            "o3c",
            "One-click cloud connection",
            network.get_o3c,
            SetO3c,
            "actkit's own cloud connection: the device joins its fleet's HQ (a NATS leaf node "
            "of HQ's cluster, the serial as its name), not an Axis O3C service. HQ claims the "
            "device with the owner authentication key shown below. The proxy, if any, tunnels "
            "the link (HTTP CONNECT, Basic authentication).",
            _cloud_certificates,
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
    _beside,
)
router = page_router(PAGE)


@router.post("/system/network/snmp-v3-password")
async def set_snmp_v3_password(
    request: Request, caller: CallerDep, bus: ActingBusDep, password: Annotated[str, Form()] = ""
) -> Response:
    return await act(request, caller, bus, PAGE, "snmp-v3", SetSnmpV3Password, password=password)

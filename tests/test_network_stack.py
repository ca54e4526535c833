"""The network service in the whole stack: a restore from system keeps the manual's list; a change
that may cut the device off is refused until confirmed, over REST and on the dashboard."""

from __future__ import annotations

import ipaddress

import httpx

from actkit_core.bus import Bus
from actkit_core.testing.stack import Stack
from actkit_proto.network import (
    GetHostname,
    GetIpv4,
    HostnameSettings,
    Ipv4Settings,
    SetHostname,
    SetIpv4,
)
from actkit_proto.system import Restore

STATIC = Ipv4Settings(
    is_dhcp=False,
    address=ipaddress.IPv4Address("192.0.2.10"),
    subnet_mask=ipaddress.IPv4Address("255.255.255.0"),
    router=ipaddress.IPv4Address("192.0.2.1"),
)


async def test_a_restore_keeps_the_static_address_and_resets_the_hostname(stack: Stack) -> None:
    async with Bus.connect("test", servers=[stack.nats_url], **stack.credentials()) as bus:
        await bus.request(SetIpv4(settings=STATIC, confirm=True))
        await bus.request(SetHostname(settings=HostnameSettings(is_auto=False, hostname="car-12")))
        result = await bus.request(Restore(), timeout_s=30)
        assert "network" in result.restored
        assert await bus.request(GetIpv4()) == STATIC
        assert await bus.request(GetHostname()) == HostnameSettings()


FIRST_ADMINISTRATOR = {"name": "root", "password": "pass-w0rd", "accept_licence": True}


async def test_a_change_that_may_cut_the_device_off_waits_for_a_confirmation(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.https_url, verify=False, timeout=15) as http:
        created = await http.post("api/v1/setup", json=FIRST_ADMINISTRATOR)
        assert created.status_code < 300, created.text
        auth = httpx.DigestAuth("root", "pass-w0rd")
        static = STATIC.model_dump(mode="json")

        refused = await http.put("api/v1/network/ipv4", json=static, auth=auth)
        assert refused.status_code == 409
        assert "DHCP to a static address" in refused.json()["detail"]
        assert (await http.get("api/v1/network/ipv4", auth=auth)).json()["is_dhcp"]
        partial = await http.put("api/v1/network/ipv4", json={"is_dhcp": False}, auth=auth)
        assert partial.status_code == 422
        assert ["body", "address"] in [error["loc"] for error in partial.json()["detail"]]

        confirmed = await http.put(
            "api/v1/network/ipv4", params={"confirm": "true"}, json=static, auth=auth
        )
        assert confirmed.status_code == 200, confirmed.text
        assert (await http.get("api/v1/network/ipv4", auth=auth)).json() == static

        # On the dashboard the refusal comes back with a box to confirm it.
        session = await http.post("api/v1/session", json={"name": "root", "password": "pass-w0rd"})
        form = {"csrf_token": session.json()["csrf_token"], "access": "both"}
        form |= {"http_port": "8080", "https_port": "443"}
        page = await http.post("system/network/http", data=form)
        assert page.status_code == 400
        assert "may cut the device off" in page.text and 'name="confirm"' in page.text
        saved = await http.post("system/network/http", data=form | {"confirm": "on"})
        assert saved.status_code == 303
        assert (await http.get("api/v1/network/http", auth=auth)).json()["http_port"] == 8080

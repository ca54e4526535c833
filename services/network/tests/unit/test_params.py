import pytest

from actkit_core.testing.fake_bus import FakeBus
from actkit_network.adapters.sim import SimSnmpAgent
from actkit_network.handlers import Deps
from actkit_proto import Invalid
from actkit_proto.network import (
    GetDiscovery,
    GetHostname,
    GetHttp,
    HttpAccess,
    SetSnmp,
    SnmpSettings,
)
from actkit_proto.params import ListParameters, SetParameters


async def test_network_settings_are_listed_with_their_values(fake_bus: FakeBus, deps: Deps) -> None:
    listed = await fake_bus.request(ListParameters(service="network"))
    by_key = {p.key: p for p in listed.parameters}
    assert by_key["Network.HostName"].value == "w401"
    assert by_key["Network.HTTP.Port"].value == 80
    assert by_key["Network.HTTP.Access"].allowed_values == ["http", "https", "both"]
    assert by_key["Network.DNSUpdate.DNSName"].value is None
    assert {p.service for p in listed.parameters} == {"network"}


async def test_a_set_goes_through_the_owners_set_commands(fake_bus: FakeBus, deps: Deps) -> None:
    await fake_bus.request(
        SetParameters(
            service="network",
            values={"Network.HostName": "car-12", "Network.HostNameFromDHCP": "no",
                    "Network.HTTP.Port": 8080, "Network.HTTP.Access": "https",
                    "Network.Bonjour.Enabled": False},
        )
    )  # fmt: skip
    hostname = await fake_bus.request(GetHostname())
    assert (hostname.hostname, hostname.is_auto) == ("car-12", False)
    http = await fake_bus.request(GetHttp())
    assert (http.http_port, http.access) == (8080, HttpAccess.HTTPS)
    discovery = await fake_bus.request(GetDiscovery())
    assert not discovery.is_bonjour_enabled
    assert discovery.is_upnp_enabled


async def test_the_owners_rules_refuse_a_set_and_nothing_changes(
    fake_bus: FakeBus, deps: Deps
) -> None:
    with pytest.raises(Invalid, match="HTTP and HTTPS cannot both use port 443"):
        await fake_bus.request(
            SetParameters(
                service="network",
                values={"Network.HostName": "car-12", "Network.HTTP.Port": 443},
            )
        )
    with pytest.raises(Invalid, match="dynamic DNS updates need a DNS name"):
        await fake_bus.request(
            SetParameters(service="network", values={"Network.DNSUpdate.Enabled": "yes"})
        )
    with pytest.raises(Invalid, match="hostname"):
        await fake_bus.request(
            SetParameters(service="network", values={"Network.HostName": "bad_name!"})
        )
    assert (await fake_bus.request(GetHostname())).hostname == "w401"


async def test_snmp_through_plain_config_keeps_the_communities_it_never_lists(
    fake_bus: FakeBus, deps: Deps
) -> None:
    fleet = SnmpSettings(read_community="fleet", write_community="fleet-rw")
    await fake_bus.request(SetSnmp(settings=fleet))
    listed = await fake_bus.request(ListParameters(service="network"))
    assert not [p.key for p in listed.parameters if "community" in p.key.lower()]
    await fake_bus.request(SetParameters(service="network", values={"SNMP.Enabled": True}))
    assert isinstance(deps.snmp, SimSnmpAgent)
    agent = deps.snmp.settings
    assert (agent.is_enabled, agent.read_community, agent.write_community) == (
        True,
        "fleet",
        "fleet-rw",
    )

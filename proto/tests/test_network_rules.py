"""The validation rules of the network contract: each refusal says what to fix."""

import pytest
from pydantic import ValidationError

from actkit_proto.network import (
    DnsSettings,
    Dot1xMethod,
    Dot1xSettings,
    FirewallProtocol,
    FirewallRule,
    HostnameSettings,
    HttpSettings,
    Ipv4Settings,
    O3cSettings,
    SnmpSettings,
    SnmpVersion,
)


@pytest.mark.parametrize(
    ("hostname", "why"),
    [
        ("cam_1", "only the characters A-Z"),
        ("-cam", "must not begin or end with -"),
        ("cam-", "must not begin or end with -"),
    ],
)
def test_a_hostname_is_one_dns_label(hostname: str, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        HostnameSettings(hostname=hostname)
    assert HostnameSettings(hostname="cam-1").hostname == "cam-1"


def test_dynamic_dns_needs_a_name() -> None:
    with pytest.raises(ValidationError, match="need a DNS name to register"):
        HostnameSettings(is_ddns_enabled=True)
    assert HostnameSettings(is_ddns_enabled=True, ddns_name="car7").ddns_name == "car7"


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"is_dhcp": False}, "a static address needs an IP address and a subnet mask"),
        ({"has_fallback": True, "address": "10.0.0.5"}, "a static fallback needs"),
        ({"is_dhcp": False, "address": "10.0.0.5", "subnet_mask": "255.0.255.0"}, "not a subnet"),
        ({"is_dhcp": False, "address": "10.0.0.5", "subnet_mask": "0.0.0.0"}, "not a subnet"),
        (
            {"is_dhcp": False, "address": "10.0.0.0", "subnet_mask": "255.255.255.0"},
            "network or broadcast address of 10.0.0.0/24",
        ),
        (
            {"is_dhcp": False, "address": "10.0.0.255", "subnet_mask": "255.255.255.0"},
            "network or broadcast address",
        ),
        (
            {
                "is_dhcp": False,
                "address": "10.0.0.5",
                "subnet_mask": "255.255.255.0",
                "router": "10.0.1.1",
            },
            "the router 10.0.1.1 is outside the subnet 10.0.0.0/24",
        ),
    ],
)
def test_a_static_ipv4_address_is_checked(fields: dict[str, str], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        Ipv4Settings.model_validate(fields)


def test_a_static_ipv4_address_and_its_prefix_length() -> None:
    settings = Ipv4Settings.model_validate(
        {
            "is_dhcp": False,
            "address": "10.0.0.5",
            "subnet_mask": "255.255.255.0",
            "router": "10.0.0.1",
        }
    )
    assert settings.prefix_length == 24
    # A /31 has no network or broadcast address: both of its addresses are hosts.
    point = Ipv4Settings.model_validate(
        {"is_dhcp": False, "address": "10.0.0.0", "subnet_mask": "255.255.255.254"}
    )
    assert point.prefix_length == 31
    assert Ipv4Settings().address is None


def test_http_and_https_use_different_ports() -> None:
    with pytest.raises(ValidationError, match="HTTP and HTTPS cannot both use port 8080"):
        HttpSettings(http_port=8080, https_port=8080)
    assert HttpSettings(http_port=8080, https_port=8443).https_port == 8443


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"proxy_host": "proxy.example.com"}, "a proxy needs both a host and a port"),
        ({"proxy_port": 3128}, "a proxy needs both a host and a port"),
        ({"proxy_login": "me"}, "a proxy login needs a proxy host and port"),
        ({"proxy_host": "bad_host!", "proxy_port": 3128}, "is not a domain name: labels use"),
        ({"proxy_host": "a..b", "proxy_port": 3128}, "is not a domain name"),
    ],
)
def test_an_o3c_proxy_is_whole(fields: dict[str, object], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        O3cSettings.model_validate(fields)


def test_an_o3c_proxy_by_name_or_address() -> None:
    by_name = O3cSettings(proxy_host="proxy.example.com.", proxy_port=3128, proxy_login="me")
    assert by_name.proxy_login == "me"
    assert O3cSettings(proxy_host="2001:db8::1", proxy_port=3128).proxy_host == "2001:db8::1"


PROXY = {"proxy_host": "proxy.example.com", "proxy_port": 3128}


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"client_certificate": "car7"}, "mTLS needs both the client certificate and HQ's CA"),
        ({"ca_certificate": "hq-ca"}, "mTLS needs both the client certificate and HQ's CA"),
        (
            {**PROXY, "hq_urls": ["wss://hq.example.com:443"]},
            "through a proxy, a wss:// address needs the client and CA certificates",
        ),
        (
            {**PROXY, "proxy_login": "me", "proxy_auth": "digest"},
            "authenticates to a proxy with Basic only",
        ),
    ],
)
def test_an_o3c_link_to_hq_is_whole(fields: dict[str, object], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        O3cSettings.model_validate(fields)
    linked = O3cSettings.model_validate(
        {**PROXY, "hq_urls": ["wss://hq.example.com:443"], "client_certificate": "car7"}
        | {"ca_certificate": "hq-ca", "proxy_login": "me", "proxy_auth": "basic"}
    )
    assert linked.client_certificate == "car7"


def test_snmp_traps_need_an_address_with_v1_v2c() -> None:
    with pytest.raises(ValidationError, match="traps need a trap address"):
        SnmpSettings(is_enabled=True, are_traps_enabled=True)
    assert SnmpSettings(is_enabled=True, are_traps_enabled=True, trap_address="192.0.2.9")
    # SNMP v3 sends no v1/v2c traps, so it needs no trap address.
    assert SnmpSettings(is_enabled=True, are_traps_enabled=True, version=SnmpVersion.V3)


def test_snmp_settings_left_without_communities_keep_the_stored_ones() -> None:
    # A group sent without its communities (None) asks the owner to keep what it stores.
    unchanged = SnmpSettings(is_enabled=True)
    assert (unchanged.read_community, unchanged.write_community, unchanged.trap_community) == (
        None,
        None,
        None,
    )
    assert not unchanged.has_write_community
    with pytest.raises(ValidationError, match="write_community"):
        SnmpSettings(write_community="")


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"is_enabled": True}, "EAP-TLS needs a client certificate and an EAP identity"),
        (
            {"is_enabled": True, "method": Dot1xMethod.PEAP_MSCHAPV2},
            "PEAP-MSCHAPv2 needs an EAP identity",
        ),
        ({"is_enabled": True, "method": Dot1xMethod.MACSEC_PSK}, "MACsec needs a CKN"),
        ({"ckn": "abc"}, "the CKN must be 2 to 64 hexadecimal characters"),
        ({"ckn": "zz"}, "the CKN must be 2 to 64 hexadecimal characters"),
        ({"cak": "00" * 8}, "the CAK must be 32 or 64 hexadecimal characters"),
        ({"cak": "g" * 32}, "the CAK must be 32 or 64 hexadecimal characters"),
    ],
)
def test_dot1x_methods_have_their_fields(fields: dict[str, object], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        Dot1xSettings.model_validate(fields)


def test_dot1x_settings_that_are_whole() -> None:
    tls = Dot1xSettings(is_enabled=True, client_certificate="client", eap_identity="car7")
    assert tls.method is Dot1xMethod.EAP_TLS
    peap = Dot1xSettings(is_enabled=True, method=Dot1xMethod.PEAP_MSCHAPV2, eap_identity="car7")
    assert peap.eap_identity == "car7"
    macsec = Dot1xSettings(
        is_enabled=True, method=Dot1xMethod.MACSEC_PSK, ckn="ABCD", cak="AB" * 16
    )
    assert (macsec.ckn, macsec.cak) == ("abcd", "ab" * 16)


def test_a_firewall_rule_matches_something_and_ports_have_a_protocol() -> None:
    with pytest.raises(ValidationError, match="a port needs the protocol TCP or UDP"):
        FirewallRule(port=22)
    with pytest.raises(ValidationError, match="a rule needs an address, a protocol or a port"):
        FirewallRule()
    with pytest.raises(ValidationError, match="is not an IPv4 or IPv6 address or CIDR network"):
        FirewallRule(address="192.0.2.300")
    assert FirewallRule(address="192.0.2.7/24").address == "192.0.2.0/24"
    assert FirewallRule(protocol=FirewallProtocol.TCP, port=22).port == 22


def test_manual_dns_needs_one_server_listed_once() -> None:
    with pytest.raises(ValidationError, match="manual DNS needs at least one DNS server"):
        DnsSettings(is_auto=False)
    with pytest.raises(ValidationError, match="a DNS server is listed twice"):
        DnsSettings.model_validate({"servers": ["192.0.2.1", "192.0.2.1"]})
    with pytest.raises(ValidationError, match="is not a domain name"):
        DnsSettings(search_domains=["example..com"])
    manual = DnsSettings.model_validate(
        {
            "is_auto": False,
            "servers": ["192.0.2.1", "2001:db8::53"],
            "search_domains": ["example.com"],
        }
    )
    assert len(manual.servers) == 2


def test_disabled_dot1x_keeps_incomplete_settings_for_later() -> None:
    assert Dot1xSettings(method=Dot1xMethod.MACSEC_PSK).ckn is None

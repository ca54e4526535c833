import pytest
from pydantic import ValidationError

from actkit_proto.network import (
    DnsSettings,
    Dot1xMethod,
    Dot1xSettings,
    HostnameSettings,
    HttpSettings,
    Ipv4Settings,
    O3cSettings,
    SnmpSettings,
)

STATIC = {"is_dhcp": False, "address": "192.0.2.10", "subnet_mask": "255.255.255.0"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_dhcp": False}, "a static address needs an IP address and a subnet mask"),
        ({"has_fallback": True}, "a static fallback needs an IP address and a subnet mask"),
        ({**STATIC, "address": "192.0.2.256"}, "valid IPv4 address"),
        ({**STATIC, "subnet_mask": "255.0.255.0"}, "255.0.255.0 is not a subnet mask"),
        ({**STATIC, "address": "192.0.2.0"}, "192.0.2.0 is the network or broadcast address"),
        ({**STATIC, "router": "198.51.100.1"}, "the router 198.51.100.1 is outside the subnet"),
    ],
)
def test_ipv4_rejects_what_cannot_work(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Ipv4Settings.model_validate(fields)


def test_a_static_ipv4_knows_its_prefix_length() -> None:
    assert Ipv4Settings.model_validate({**STATIC, "router": "192.0.2.1"}).prefix_length == 24


@pytest.mark.parametrize("name", ["w401", "Car-12", "a", "A" * 63])
def test_hostnames_of_letters_digits_and_hyphens_are_accepted(name: str) -> None:
    assert HostnameSettings(is_auto=False, hostname=name).hostname == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("car_12", "use only the characters A-Z, a-z, 0-9 and -"),
        ("car.12", "use only the characters"),
        ("bil-ø", "use only the characters"),
        ("-car", "must not begin or end with -"),
        ("", "at least 1 character"),
        ("A" * 64, "at most 63 characters"),
    ],
)
def test_hostnames_with_other_characters_are_rejected(name: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HostnameSettings(is_auto=False, hostname=name)


def test_dynamic_dns_needs_a_name_and_a_sane_ttl() -> None:
    with pytest.raises(ValidationError, match="dynamic DNS updates need a DNS name"):
        HostnameSettings(is_ddns_enabled=True)
    with pytest.raises(ValidationError, match="ddns_ttl_s"):
        HostnameSettings(is_ddns_enabled=True, ddns_name="car12", ddns_ttl_s=0)


def test_dns_needs_servers_when_manual_and_real_domains() -> None:
    with pytest.raises(ValidationError, match="manual DNS needs at least one DNS server"):
        DnsSettings(is_auto=False)
    with pytest.raises(ValidationError, match=r"'fleet\.\.example' is not a domain name"):
        DnsSettings.model_validate({"search_domains": ["fleet..example"]})
    with pytest.raises(ValidationError, match="a DNS server is listed twice"):
        DnsSettings.model_validate({"is_auto": False, "servers": ["192.0.2.53", "192.0.2.53"]})
    dns = DnsSettings.model_validate(
        {
            "is_auto": False,
            "servers": ["192.0.2.53", "2001:db8::53"],
            "search_domains": ["a.example"],
        }
    )
    assert [str(server) for server in dns.servers] == ["192.0.2.53", "2001:db8::53"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"http_port": 0}, "greater than or equal to 1"),
        ({"https_port": 65536}, "less than or equal to 65535"),
        ({"http_port": 8443, "https_port": 8443}, "HTTP and HTTPS cannot both use port 8443"),
    ],
)
def test_http_ports_outside_the_range_are_rejected(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HttpSettings.model_validate(fields)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ckn": "a"}, "the CKN must be 2 to 64 hexadecimal characters, an even number"),
        ({"ckn": "abc"}, "an even number"),
        ({"ckn": "zz"}, "hexadecimal"),
        ({"ckn": "ab" * 33}, "2 to 64"),
        ({"cak": "ab" * 8}, "the CAK must be 32 or 64 hexadecimal characters"),
        ({"cak": "ab" * 24}, "32 or 64"),
        ({"cak": "g" * 32}, "32 or 64 hexadecimal"),
    ],
)
def test_macsec_keys_follow_the_manual(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Dot1xSettings.model_validate(fields)


def test_valid_macsec_keys_are_kept_in_lower_case() -> None:
    settings = Dot1xSettings(
        is_enabled=True, method=Dot1xMethod.MACSEC_PSK, ckn="AB" * 32, cak="0F" * 16
    )
    assert (settings.ckn, settings.cak) == ("ab" * 32, "0f" * 16)
    assert Dot1xSettings(cak="0f" * 32).cak == "0f" * 32


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"method": "eap_tls"}, "EAP-TLS needs a client certificate and an EAP identity"),
        ({"method": "peap_mschapv2"}, "PEAP-MSCHAPv2 needs an EAP identity"),
        ({"method": "macsec_psk"}, "MACsec needs a CKN"),
        ({"method": "peap_mschapv2", "eap_identity": "car", "peap_label": 3}, "peap_label"),
        ({"method": "eap_tls", "eapol_version": 4}, "eapol_version"),
    ],
)
def test_each_dot1x_method_needs_its_fields(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Dot1xSettings.model_validate({"is_enabled": True, **fields})


def test_o3c_proxy_is_whole_and_snmp_traps_need_an_address() -> None:
    with pytest.raises(ValidationError, match="a proxy needs both a host and a port"):
        O3cSettings(proxy_host="proxy.example")
    with pytest.raises(ValidationError, match="not a domain name"):
        O3cSettings(proxy_host="proxy example", proxy_port=3128)
    with pytest.raises(ValidationError, match="traps need a trap address"):
        SnmpSettings(is_enabled=True, are_traps_enabled=True)
    with pytest.raises(ValidationError, match="read_community"):
        SnmpSettings(read_community="has space")

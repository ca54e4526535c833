"""Labels and help text of the System settings forms, in the user manual's words."""

from __future__ import annotations

from actkit_proto.system import POLL_INTERVALS_S

POLL_TIMES = tuple((str(seconds), f"{seconds} s") for seconds in POLL_INTERVALS_S)
SYNC_MODES = (
    ("nts_ke", "Automatic date and time (manual NTS KE servers)"),
    ("ntp_dhcp", "Automatic date and time (NTP servers using DHCP)"),
    ("ntp_manual", "Automatic date and time (manual NTP servers)"),
    ("custom", "Custom date and time"),
)
WLAN_SECURITY = (
    ("open", "None (open)"),
    ("wpa2_psk", "WPA2-Personal"),
    ("wpa3_sae", "WPA3-Personal"),
    ("wpa2_enterprise", "WPA2-Enterprise"),
)
CHOICES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "time": {"sync_mode": SYNC_MODES, "min_poll_s": POLL_TIMES, "max_poll_s": POLL_TIMES},
    "http": {"access": (("http", "HTTP"), ("https", "HTTPS"), ("both", "HTTP and HTTPS"))},
    "snmp": {"version": (("v1_v2c", "v1 and v2c"), ("v3", "v3"))},
    "dot1x": {
        "method": (
            ("eap_tls", "IEEE 802.1x EAP-TLS"),
            ("peap_mschapv2", "IEEE 802.1x PEAP-MSCHAPv2"),
            ("macsec_psk", "IEEE 802.1AE MACsec (static CAK/pre-shared key)"),
        ),
    },
    "wlan": {
        "security": WLAN_SECURITY,
        "eap_method": (
            ("eap_tls", "IEEE 802.1x EAP-TLS"),
            ("peap_mschapv2", "IEEE 802.1x PEAP-MSCHAPv2"),
        ),
    },
    "client": {
        "transport": (
            ("tcp", "MQTT over TCP"),
            ("ssl", "MQTT over SSL"),
            ("ws", "MQTT over WebSocket"),
            ("wss", "MQTT over WebSocket Secure"),
        ),
        "version": (("5", "MQTT 5"), ("3.1.1", "MQTT 3.1.1")),
    },
}
"""Per form, the values an input may take, where the contract's type alone does not list them."""

LABELS: dict[str, dict[str, str]] = {
    "time": {
        "sync_mode": "Synchronization",
        "nts_ke_servers": "Manual NTS KE servers",
        "ntp_servers": "Manual NTP servers",
        "fallback_ntp_servers": "Fallback NTP servers",
        "min_poll_s": "Min NTP poll time (s)",
        "max_poll_s": "Max NTP poll time (s)",
    },
    "power": {"is_delayed_shutdown_on": "Delayed shutdown", "delay_min": "Delay (min)"},
    "ipv4": {"is_dhcp": "Assign IPv4 automatically", "has_fallback": "Fallback to static IP"},
    "ipv6": {"is_auto": "Assign IPv6 automatically"},
    "hostname": {
        "is_auto": "Assign hostname automatically",
        "is_ddns_enabled": "Enable dynamic DNS updates",
        "ddns_name": "Register DNS name",
        "ddns_ttl_s": "TTL (s)",
    },
    "dns": {"is_auto": "Assign DNS automatically", "servers": "DNS servers"},
    "http": {
        "access": "Allow access through",
        "http_port": "HTTP port",
        "https_port": "HTTPS port",
    },
    "discovery": {
        "is_bonjour_enabled": "Bonjour®",
        "is_upnp_enabled": "UPnP®",
        "upnp_name": "UPnP name",
        "is_ws_discovery_enabled": "WS-Discovery",
        "is_lldp_enabled": "LLDP and CDP",
    },
    "o3c": {
        "mode": "Allow O3C",
        "proxy_auth": "Authentication method",
        "hq_urls": "HQ addresses",
        "nkey_seed": "Device credential",
        "client_certificate": "Client certificate",
        "ca_certificate": "CA certificate",
    },
    "snmp": {
        "is_enabled": "SNMP",
        "version": "SNMP version",
        "are_traps_enabled": "Activate traps",
    },
    "dot1x": {
        "is_enabled": "Use IEEE 802.1x",
        "method": "Authentication method",
        "eap_identity": "EAP identity",
        "ca_certificates": "CA certificates",
        "eapol_version": "EAPOL version",
        "ckn": "CKN (connectivity association key name)",
        "cak": "CAK (connectivity association key)",
    },
    "wlan": {
        "ssid": "SSID",
        "is_hidden": "Hidden network (does not broadcast its SSID)",
        "ipv4": "IPv4",
        "ipv4.is_dhcp": "Assign IPv4 automatically",
        "ipv4.has_fallback": "Fallback to static IP address if DHCP isn't available",
        "ipv6": "IPv6",
        "ipv6.is_auto": "Assign IPv6 automatically",
        "eap_method": "Authentication method",
        "eap_identity": "EAP identity",
        "eap_password": "Password",
        "client_certificate": "Client certificate",
        "ca_certificates": "CA certificates",
    },
    "firewall": {"is_active": "Firewall", "default_policy": "Default policy"},
    "client": {
        "is_enabled": "Connect",
        "transport": "Protocol",
        "alpn_protocol": "ALPN protocol",
        "client_id": "Client ID",
        "http_proxy": "HTTP proxy",
        "https_proxy": "HTTPS proxy",
        "keep_alive_s": "Keep alive interval (s)",
        "connect_timeout_s": "Timeout (s)",
        "reconnects": "Reconnect automatically",
        "verifies_certificate": "Validate server certificate",
        "ca_certificate": "CA certificate",
        "client_certificate": "Client certificate",
        "connect_message.is_enabled": "Send message",
        "connect_message.uses_default": "Use default",
        "connect_message.qos": "QoS",
        "last_will": "Last Will and Testament message",
        "last_will.is_enabled": "Send message",
        "last_will.uses_default": "Use default",
        "last_will.qos": "QoS",
    },
    "publication": {
        "uses_default_prefix": "Use default topic prefix",
        "includes_topic_name": "Include topic name",
        "includes_namespaces": "Include topic namespaces",
        "includes_serial": "Include serial number",
        "qos": "QoS",
    },
    "home-assistant": {"is_enabled": "Home Assistant discovery"},
    "ble": {
        "company_id": "Company ID",
        "watched_system_ids": "Watched System IDs",
        "min_rssi_dbm": "Minimum signal strength (dBm)",
    },
}
"""Per form, input name to label, where the name alone does not say it as the manual does."""

HELP: dict[str, dict[str, str]] = {
    "time": {
        "sync_mode": "Automatic with NTS KE servers synchronizes securely; with NTP servers "
        "using DHCP, those the DHCP server gives; with manual NTP servers, servers of your "
        "choice. Custom: set the date and time by hand.",
        "nts_ke_servers": "The IP address of one or two NTS KE servers. With two, the device "
        "adapts its time based on input from both.",
        "ntp_servers": "The IP address of one or two NTP servers. With two, the device "
        "synchronizes and adapts its time based on input from both.",
        "fallback_ntp_servers": "One or two fallback servers, used when DHCP gives none.",
        "min_poll_s": "The minimum time the device waits before it polls the NTP server.",
        "max_poll_s": "The maximum time the device waits before it polls the NTP server.",
        "time_zone_source": "DHCP adopts the time zone of the DHCP server; Manual uses the "
        "time zone below.",
        "time_zone": "Time automatically adjusts to daylight saving time and standard time "
        "(IANA name, e.g. Europe/Stockholm).",
    },
    "location": {
        "format": "The format to use when you enter the latitude and longitude.",
        "latitude": "Positive values are north of the equator.",
        "longitude": "Positive values are east of the prime meridian.",
        "heading": "The compass direction that the device is facing. 0 is due north.",
        "label": "A descriptive name for your device.",
    },
    "power": {
        "is_delayed_shutdown_on": "Only turn on Delayed shutdown when the ignition is "
        "physically connected to the main unit, to avoid unwanted shutdown.",
        "delay_min": "How long the device stays on after the ignition is turned off.",
    },
    "ipv4": {
        "is_dhcp": "Let the network router assign an IP address. We recommend automatic IP "
        "(DHCP) for most networks.",
        "address": "A unique IP address for the device.",
        "subnet_mask": "Defines what addresses are inside the local area network.",
        "router": "The default router (gateway) to other networks.",
        "has_fallback": "Use the static address above when DHCP is unavailable; it is "
        "configured with a limited scope.",
    },
    "ipv6": {"is_auto": "Turn on IPv6 and let the network router assign an address."},
    "hostname": {
        "is_auto": "Let the network router assign a hostname.",
        "hostname": "Another way of accessing the device; the server report and system log "
        "use it. Allowed characters are A-Z, a-z, 0-9 and -.",
        "is_ddns_enabled": "Update the DNS records whenever the IP address changes.",
        "ddns_name": "A unique domain name that points to the device's IP address.",
        "ddns_ttl_s": "How long a DNS record stays valid before it needs to be updated.",
    },
    "dns": {
        "is_auto": "Let the DHCP server assign search domains and DNS servers.",
        "servers": "Up to three IP addresses, separated by commas.",
        "search_domains": "Domains in which to search for a hostname that is not fully "
        "qualified, separated by commas.",
    },
    "http": {
        "access": "Whether users connect through HTTP, HTTPS, or both.",
        "http_port": "Port 80 or 1024-65535; administrators may also use 1-1023, with a warning.",
        "https_port": "Port 443 or 1024-65535; administrators may also use 1-1023, with a warning.",
        "certificate": "The certificate that enables HTTPS (System > Security).",
    },
    "discovery": {
        "bonjour_name": "A friendly name visible on the network; empty uses the device name "
        "and MAC address.",
        "upnp_name": "A friendly name visible on the network; empty uses the device name and "
        "MAC address.",
        "is_lldp_enabled": "Turning LLDP and CDP off can impact the PoE power negotiation.",
    },
    "o3c": {
        "mode": "One-click: press the control button to connect, then HQ has 24 hours to claim "
        "the device. Always: keep trying to connect. No: disconnect.",
        "hq_urls": "HQ's leaf addresses, e.g. tls://hq.example.com:7422 or wss://hq.example.com.",
        "nkey_seed": "The seed HQ made when it registered the device (SU...).",
        "proxy_host": "The proxy server's address, if one is needed.",
        "proxy_auth": "The link to HQ uses Basic; Digest is refused with a login.",
    },
    "snmp": {
        "read_community": "The community name with read-only access (default public).",
        "write_community": "The community name with read or write access (default write).",
        "are_traps_enabled": "Traps are turned off when SNMP is off or v3 is chosen.",
        "trap_address": "The IP address or host name of the management server.",
        "trap_community": "The community used when sending a trap message.",
    },
    "dot1x": {
        "client_certificate": "The certificate the authentication server uses to validate the "
        "client's identity.",
        "ca_certificates": "Without CA certificates the server is not validated.",
        "eap_identity": "The user identity associated with the client certificate.",
        "eapol_version": "The EAPOL version sent to the network switch: 1, the one this "
        "device's NetworkManager sends (every switch accepts it).",
        "password": "PEAP-MSCHAPv2: the password for your user identity.",
        "peap_label": "1: client EAP encryption; 2: client PEAP encryption.",
    },
    "wlan": {
        "ssid": "The network's name; for a hidden network, enter it and tick Hidden.",
        "passphrase": "8 to 63 characters.",
        "eap_identity": "The user identity associated with the client certificate.",
        "eap_password": "PEAP-MSCHAPv2: the password for your user identity.",
        "client_certificate": "The certificate the authentication server uses to validate the "
        "client's identity.",
        "ca_certificates": "Without CA certificates the server is not validated.",
    },
    "firewall": {"default_policy": "What happens to connections no rule matches."},
    "client": {
        "is_enabled": "Turn the MQTT client on or off.",
        "host": "The hostname or IP address of the MQTT server.",
        "port": "The protocol's default unless you enter your own: 1883 for TCP, 8883 for SSL, "
        "80 for WebSocket, 443 for WebSocket Secure.",
        "alpn_protocol": "Only with SSL and WebSocket Secure.",
        "client_id": "Sent to the server when the client connects; empty uses actkit-<serial>.",
        "clean_session": "Discard the state information at connect and disconnect.",
        "http_proxy": "A URL of at most 255 bytes; empty uses none.",
        "https_proxy": "A URL of at most 255 bytes; empty uses none.",
        "keep_alive_s": "Detects a server no longer available without the long TCP timeout.",
        "connect_timeout_s": "The time allowed for a connect to complete.",
        "device_topic_prefix": "Used in the default topics of the connect and LWT messages "
        "and the publications; empty uses axis/<serial>.",
    },
    "publication": {
        "conditions": "The device events to publish.",
        "retain": "None: all non-retained. Property: only stateful messages retained. All: "
        "both retained.",
    },
    "ble": {
        "watched_system_ids": "The System IDs whose beacons are reported, separated by commas.",
        "presence_timeout_ms": "A watched beacon counts as gone when none was received for "
        "this long.",
        "min_rssi_dbm": "Ignore beacons received weaker than this; empty accepts any.",
    },
}
"""Per form, input name to help text."""

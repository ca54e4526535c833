"""The network service: IP, DNS, WLAN, HTTP access, discovery, SNMP, firewall, 802.1X."""

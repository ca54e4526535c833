"""What the discovery protocols announce: the device's identity, web and ONVIF addresses."""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass

from actkit_proto.network import DiscoverySettings, HttpAccess

MANUFACTURER = "Axis Communications AB"
MANUFACTURER_URL = "https://www.axis.com/"
MODEL_DESCRIPTION = "Body worn camera activation kit"
ONVIF_DEVICE_PATH = "/onvif/device_service"


@dataclass(frozen=True)
class DeviceIdentity:
    """Who the device says it is on every discovery protocol."""

    friendly_name: str
    model_name: str
    serial_number: str
    """The MAC address without separators, upper case (as on the label)."""
    udn: str
    """``uuid:...``, stable for the device (derived from the MAC address)."""
    address: str
    """The IP address the device is reached at."""
    http_port: int
    https_port: int | None = None
    """None: HTTPS is not allowed (or not known), so ONVIF is announced over HTTP only."""
    is_http_allowed: bool = True

    @property
    def presentation_url(self) -> str:
        """The web interface."""
        return f"{_base_url(self.address, self.http_port)}/"

    @property
    def onvif_url(self) -> str:
        """The ONVIF device service over HTTP."""
        return f"{_base_url(self.address, self.http_port)}{ONVIF_DEVICE_PATH}"

    @property
    def onvif_urls(self) -> tuple[str, ...]:
        """The ONVIF device service over each protocol the web allows (WS-Discovery's XAddrs).

        >>> device = DeviceIdentity("W401", "AXIS W401", "S", "uuid:1", "192.0.2.9", 80, 443)
        >>> device.onvif_urls
        ('http://192.0.2.9/onvif/device_service', 'https://192.0.2.9/onvif/device_service')
        """
        urls = [self.onvif_url] if self.is_http_allowed else []
        if self.https_port is not None:
            urls.append(f"{_base_url(self.address, self.https_port, 'https')}{ONVIF_DEVICE_PATH}")
        return tuple(urls)


@dataclass(frozen=True)
class LldpConfig:
    """What lldpd announces; with ``is_enabled`` False it neither sends nor answers LLDP or CDP.

    lldpd runs with CDP support (``lldpd -c``); a port's administrative status covers every
    protocol it speaks, so one switch turns LLDP and CDP on or off together.
    """

    is_enabled: bool
    system_name: str
    system_description: str
    interface: str


def serial_number(mac: str) -> str:
    """The MAC address as Axis prints serial numbers.

    >>> serial_number("ac:cc:8e:12:34:56")
    'ACCC8E123456'
    """
    return mac.replace(":", "").replace("-", "").upper()


def device_udn(mac: str) -> str:
    """A UPnP unique device name that stays the same for one MAC address.

    >>> device_udn("AC:CC:8E:12:34:56") == device_udn("ac:cc:8e:12:34:56")
    True
    """
    return f"uuid:{uuid.uuid5(uuid.NAMESPACE_OID, 'actkit-' + serial_number(mac))}"


def identity(
    discovery: DiscoverySettings,
    default_name: str,
    model_name: str,
    mac: str,
    address: str,
    http_port: int,
    https_port: int | None = None,
    access: HttpAccess = HttpAccess.HTTP,
) -> DeviceIdentity:
    """The identity UPnP and WS-Discovery announce, the UPnP name or its default.

    The web serves ONVIF on the ports of the protocols ``access`` allows.
    """
    return DeviceIdentity(
        friendly_name=discovery.upnp_name or default_name,
        model_name=model_name,
        serial_number=serial_number(mac),
        udn=device_udn(mac),
        address=address,
        http_port=http_port,
        https_port=https_port if access is not HttpAccess.HTTP else None,
        is_http_allowed=access is not HttpAccess.HTTPS,
    )


def lldp_config(
    discovery: DiscoverySettings, hostname: str, model_name: str, interface: str
) -> LldpConfig:
    """LLDP/CDP announce the hostname as system name and the model as description."""
    return LldpConfig(
        is_enabled=discovery.is_lldp_enabled,
        system_name=hostname,
        system_description=f"{MANUFACTURER} {model_name}",
        interface=interface,
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_lldpd_conf(config: LldpConfig) -> str:
    """The lldpd configuration (``lldpcli`` commands, one a line) for ``config``.

    Off: no LLDP or CDP frame is sent, and frames received are dropped.

    >>> print(render_lldpd_conf(LldpConfig(True, "w401", "Axis W401", "eth0")))
    configure system hostname "w401"
    configure system description "Axis W401"
    configure system interface pattern "eth0"
    configure lldp status rx-and-tx
    <BLANKLINE>
    """
    status = "rx-and-tx" if config.is_enabled else "disabled"
    lines = [
        f"configure system hostname {_quote(config.system_name)}",
        f"configure system description {_quote(config.system_description)}",
        f"configure system interface pattern {_quote(config.interface)}",
        f"configure lldp status {status}",
    ]
    return "\n".join(lines) + "\n"


def _base_url(address: str, port: int, scheme: str = "http") -> str:
    host = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    default = {"http": 80, "https": 443}[scheme]
    return f"{scheme}://{host}" if port == default else f"{scheme}://{host}:{port}"

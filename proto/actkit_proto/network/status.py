"""The network status and its events."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from actkit_proto.base import Ack, Command, Event, Reply, Role


class InterfaceStatus(Reply):
    """What an interface has now."""

    interface: str
    is_up: bool
    is_wireless: bool = False
    addresses: list[str] = Field(default_factory=list)
    """Addresses with prefix, e.g. ``192.0.2.10/24``."""
    ssid: str | None = None


class NetworkStatus(Reply):
    """The hostname in use and every interface's link and addresses."""

    hostname: str
    interfaces: list[InterfaceStatus]


class GetNetworkStatus(Command[NetworkStatus]):
    """Read what the interfaces have now."""

    subject: ClassVar[str] = "network.status.get"
    required_role: ClassVar[Role] = Role.VIEWER


_Interface = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,15}$")]


class LinkChanged(Event):
    """An interface's link went up or down."""

    subject: ClassVar[str] = "network.link.{interface}.changed"
    stateful: ClassVar[bool] = True
    interface: _Interface
    is_up: bool


class AddressChanged(Event):
    """An interface's addresses changed."""

    subject: ClassVar[str] = "network.address.{interface}.changed"
    stateful: ClassVar[bool] = True
    interface: _Interface
    addresses: list[str]


class WlanConnected(Event):
    """The device joined a wireless network."""

    subject: ClassVar[str] = "network.wlan.connected"
    interface: _Interface
    ssid: str


class WlanDisconnected(Event):
    """The device left its wireless network."""

    subject: ClassVar[str] = "network.wlan.disconnected"
    interface: _Interface
    ssid: str | None = None


class SimulateLink(Command[Ack]):
    """Simulator: plug or unplug an interface's cable (or lose the wireless network)."""

    subject: ClassVar[str] = "sim.network.link.{interface}.set"
    required_role: ClassVar[Role] = Role.OPERATOR
    interface: _Interface
    is_up: bool

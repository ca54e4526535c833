"""The services of actkit: names, what each owns, default metrics ports and whom each talks to.

This table is the single source for the process supervisor, the NATS permissions, the compose file
check and the AsyncAPI export.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceInfo:
    """One deployable service."""

    name: str
    summary: str
    metrics_port: int
    """Default Prometheus port under ``actkit run`` and in compose."""
    talks_to: tuple[str, ...] = ()
    """Other services whose commands it sends and whose events it watches."""
    watches: tuple[str, ...] = ()
    """Other services whose events it watches and whose commands it may not send."""
    has_settings: bool = True
    """It keeps settings an installer changes: it serves them as parameters and answers
    ``{service}.settings.restore`` (plain config gathers from it, maintenance restores it)."""


SERVICES: tuple[ServiceInfo, ...] = (
    ServiceInfo("io", "I/O ports, supervised inputs, outputs, button, LED, ignition", 9301),
    ServiceInfo(
        "events",
        "rules, conditions, actions, schedules, recipients, event log",
        9302,
        talks_to=("io", "mqtt", "ble", "system", "network"),
    ),
    ServiceInfo(
        "mqtt",
        "MQTT client: broker connection, publications, subscriptions",
        9303,
        talks_to=("io", "events", "ble", "system", "accounts"),  # accounts: its certificates
    ),
    ServiceInfo(
        "ble",
        "Bluetooth LE beacon broadcast and reception",
        9304,
        talks_to=("events",),  # the System IDs rules wait for: events.beacons.changed
        watches=("io",),  # the inputs its reflexes follow: io.port.*.changed
    ),
    ServiceInfo(
        "network",
        "IP, DNS, WLAN, HTTP access, discovery, SNMP, firewall, 802.1X",
        9305,
        talks_to=("io", "system", "accounts"),  # accounts: the certificates HTTPS, 802.1X use
    ),
    ServiceInfo("accounts", "accounts, roles, authentication, certificates", 9306),
    ServiceInfo(
        "system",
        "identity, time, power, logs, plain config, maintenance, upgrades",
        9307,
        talks_to=("io", "events", "mqtt", "ble", "network", "accounts", "web"),
    ),
    ServiceInfo(
        "web",
        "dashboard, REST API and VAPIX API",
        9308,
        talks_to=("io", "events", "mqtt", "ble", "network", "accounts", "system"),
        has_settings=False,  # its pages hold none: HTTP access is network's, accounts accounts'
    ),
)

SERVICE_NAMES: tuple[str, ...] = tuple(service.name for service in SERVICES)
SETTINGS_OWNERS: tuple[str, ...] = tuple(s.name for s in SERVICES if s.has_settings)
"""The services plain config gathers parameters from and maintenance restores."""


def service(name: str) -> ServiceInfo:
    """The service called ``name``.

    Raises:
        KeyError: no such service.
    """
    for info in SERVICES:
        if info.name == name:
            return info
    raise KeyError(name)

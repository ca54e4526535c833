"""Settings of the system service (``ACTKIT_SYSTEM_*``)."""

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from actkit_core import __version__
from actkit_core.settings import ServiceSettings


class SystemSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_SYSTEM_", extra="ignore")
    service: ClassVar[str] = "system"

    adapter: Literal["sim", "board"] = "sim"
    """``board``: the MAC of the first wired interface, chrony for the clock, the host's time
    zone and power commands."""
    sim_mac_address: str = "AC:CC:8E:12:34:56"
    """The simulated device's MAC address, hence its serial number (sim)."""
    net_class_dir: Path = Path("/sys/class/net")
    """Where the board's network interfaces are listed (sysfs), for the MAC address (board)."""
    software_version: str = __version__
    build: str = "dev"
    """Build identifier (image digest or source revision), set when the image is built."""
    shutdown_start_delay_s: float = 60.0
    """After power comes on, delayed shutdown waits this long before it becomes active."""
    system_log_capacity: int = 10_000
    access_log_capacity: int = 2_000
    log_flush_interval_s: float = 2.0
    chrony_config_path: Path = Path("/etc/chrony/conf.d/actkit.conf")
    chrony_dhcp_sources_dir: str = "/run/chrony-dhcp"
    dbus_address: str = ""
    """The system D-Bus (board; empty: the default one): NetworkManager, read for DHCP's time
    zone, and timedated, which puts the time zone in force on the host."""
    host_time_zone: Literal["timedated", "localtime"] = "timedated"
    """How the board's host takes the time zone: systemd-timedated over D-Bus, or by linking
    ``localtime_path`` to the zone's file, for a host without timedated (board)."""
    localtime_path: Path = Path("/etc/localtime")
    zoneinfo_dir: Path = Path("/usr/share/zoneinfo")
    dhcp_poll_s: float = 30.0
    """How often the DHCP lease is read for a new time zone."""
    sim_dhcp_time_zone: str | None = None
    """The time zone the simulated DHCP server offers (sim)."""
    shutdown_command: str = "systemctl poweroff"
    restart_command: str = "systemctl reboot"
    engine: Literal["sim", "docker"] = "sim"
    """Who runs the services' containers for upgrades: the Docker Engine API, or simulated."""
    docker_socket: str = "/var/run/docker.sock"
    docker_url: str = "http://docker/v1.41"
    """The Engine API base URL (over ``docker_socket`` when it is set)."""
    upgrade_public_key_file: Path | None = None
    """PEM Ed25519 public key(s) the device trusts for updates, beside configured ones."""
    tcpdump: str = "tcpdump"
    """The packet capture program network traces run."""
    upgrade_health_timeout_s: float = 120.0
    upgrade_health_poll_s: float = 1.0
    apps_network: str = "actkit-apps"
    """The engine network apps' containers join, made (internal: no route beyond it) when the
    engine lacks it; never the host's; ``none``: no network."""
    apps_nats_url: str | None = None
    """The bus as an app's container reaches it (given to the app as ``ACTKIT_APP_NATS_URL``);
    default: the apps network's gateway, this host, at ``nats_url``'s port (``actkit run``)."""
    apps_update_settle_s: float = 5.0
    """An app's new version must run this long without a restart, or the old one is put back."""
    apps_update_timeout_s: float = 60.0
    """How long a new version with a health check may take to turn healthy."""
    apps_upload_max_mb: int = 512
    """The largest image archive an app may upload."""
    apps_nats_reload: Literal["process", "container", "none"] = "process"
    """How nats-server learns the apps' users (``docs/apps.md``): ``process``: SIGHUP to the
    nats-server whose ports file is in ``apps_nats_ports_dir`` (``actkit run``); ``container``:
    SIGHUP to the container ``apps_nats_container`` through the engine (the board); ``none``:
    not at all (a server that does not include ``apps_users_file``)."""
    apps_nats_ports_dir: Path | None = None
    """Default: ``<data_dir>/nats/ports``, where ``actkit run``'s nats-server writes it."""
    apps_nats_container: str = "actkit-nats"
    apps_users_file: Path | None = None
    """The apps' users file nats-server includes; default ``<data_dir>/apps-users.conf``,
    beside ``actkit run``'s ``nats-server.conf``."""

    @field_validator("apps_network")
    @classmethod
    def _not_the_host_network(cls, network: str) -> str:
        if network == "host":
            raise ValueError("apps never run on the host's network")
        return network

"""Settings of the system service (``ACTKIT_SYSTEM_*``)."""

from pathlib import Path
from typing import ClassVar, Literal

from pydantic_settings import SettingsConfigDict

from actkit_core import __version__
from actkit_core.settings import ServiceSettings


class SystemSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_SYSTEM_", extra="ignore")
    service: ClassVar[str] = "system"

    adapter: Literal["sim", "board"] = "sim"
    """``board``: chrony for the clock and the host's power commands."""
    mac_address: str = "AC:CC:8E:12:34:56"
    """The device's MAC address (the board reads it from its network interface)."""
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
    """Where NetworkManager's D-Bus is (board; empty: the system bus), read for DHCP's time zone."""
    dhcp_poll_s: float = 30.0
    """How often the DHCP lease is read for a new time zone."""
    sim_dhcp_time_zone: str | None = None
    """The time zone the simulated DHCP server offers (sim)."""
    shutdown_command: str = "systemctl poweroff"
    restart_command: str = "systemctl reboot"
    engine: Literal["sim", "docker"] = "sim"
    """Who runs the services' containers for upgrades: the Docker Engine API, or simulated."""
    docker_socket: str = "/var/run/docker.sock"
    docker_url: str = "http://docker/v1.43"
    """The Engine API base URL (over ``docker_socket`` when it is set)."""
    upgrade_public_key_file: Path | None = None
    """PEM Ed25519 public key(s) the device trusts for updates, beside configured ones."""
    tcpdump: str = "tcpdump"
    """The packet capture program network traces run."""
    upgrade_health_timeout_s: float = 120.0
    upgrade_health_poll_s: float = 1.0

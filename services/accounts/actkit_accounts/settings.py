"""Settings of the accounts service (``ACTKIT_ACCOUNTS_*``)."""

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class AccountsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_ACCOUNTS_", extra="ignore")
    service: ClassVar[str] = "accounts"

    adapter: Literal["sim", "system"] = "sim"
    """What applies SSH settings: ``sim`` keeps them in memory, ``system`` makes system users
    and runs sshd (needs root)."""
    ssh_user_prefix: str = Field(default="ssh-", max_length=16, pattern=r"^([a-z_][a-z0-9_\-]*)?$")
    """Put before each SSH account's name (in lower case) to make its system user."""
    ssh_group: str = Field(
        default="actkit-ssh", min_length=1, max_length=32, pattern=r"^[a-z_][a-z0-9_\-]*$"
    )
    """The group of every SSH account's system user: the only users the adapter changes, and
    the only ones sshd lets in."""
    ssh_home_base: Path = Path("/home")
    """Where the SSH accounts' home directories are made."""
    ssh_shell: Path = Path("/bin/sh")
    ssh_config_dir: Path = Path("/etc/ssh")
    """Holds ``sshd_config``, which must include ``sshd_config.d/*.conf`` (Debian's does)."""
    sshd_binary: Path = Path("/usr/sbin/sshd")
    ssh_port: int = Field(default=22, ge=1, le=65_535)
    realm: str = Field(default="actkit", min_length=1, max_length=64, pattern=r"^[\x20-\x7e]+$")
    """The Digest realm; the stored HA1 values depend on it, so it is fixed per device."""
    nonce_lifetime_s: int = Field(default=300, ge=10, le=86_400)
    """How long a Digest nonce is accepted (with a rising nonce count)."""
    session_idle_s: int = Field(default=1800, ge=60, le=86_400)
    """A browser session ends after this long without a request."""
    web_host_names: list[str] = Field(default_factory=list, max_length=20)
    """Names in the web's first self-signed certificate; the host name and loopback when empty."""
    os_signing_key_pem: str | None = None
    """PEM public key (or certificate) that signs custom OS certificates."""
    device_serial: str = Field(default="", max_length=64)
    """This device's serial number, which a custom signed OS certificate must name."""
    onvif_token_window_s: int = Field(default=300, ge=10, le=86_400)
    """How far an ONVIF UsernameToken's Created may be from the device's clock, either way."""
    keystore_file: Path | None = None
    """The software keystore's key; ``<data_dir>/accounts-keystore.key`` when unset."""
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

    @property
    def keystore_path(self) -> Path:
        """Where the software keystore's key is."""
        return self.keystore_file or self.data_dir / "accounts-keystore.key"

"""Settings of the accounts service (``ACTKIT_ACCOUNTS_*``)."""

from typing import ClassVar, Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class AccountsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_ACCOUNTS_", extra="ignore")
    service: ClassVar[str] = "accounts"

    adapter: Literal["sim"] = "sim"
    """What applies SSH settings to the system; ``sim`` keeps them in memory."""
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
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65_536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)

"""Settings of the web service (``ACTKIT_WEB_*``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class WebSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_WEB_", extra="ignore")
    service: ClassVar[str] = "web"

    bind_host: str = "0.0.0.0"
    https_port: int | None = Field(default=None, ge=0, le=65535)
    """None: the network service's HTTPS port (it may change); 0 picks a free port (tests)."""
    http_port: int | None = Field(default=None, ge=0, le=65535)
    """None: the network service's HTTP port (it may change); 0 picks a free port (tests)."""
    fallback_https_port: int = Field(default=8443, ge=1, le=65535)
    """Where HTTPS goes when the network's port cannot be bound (443 needs root)."""
    fallback_http_port: int = Field(default=8080, ge=1, le=65535)
    """Where HTTP goes when the network's port cannot be bound (80 needs root)."""
    rtsp_port: int = Field(default=554, ge=0, le=65535)
    """The RTSP event stream (VAPIX clients use 554, which needs root or CAP_NET_BIND_SERVICE)."""
    bus_timeout_s: float = Field(default=5.0, gt=0)
    accounts_wait_s: float = Field(default=10.0, ge=0)
    """How long the start waits for the accounts service's HTTPS certificate."""
    session_cookie_secure: bool = True
    """Mark the session cookie Secure (HTTPS only); tests over plain HTTP turn it off."""

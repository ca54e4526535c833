"""Settings every service shares; each service subclasses them with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from actkit_proto.services import service


class ServiceSettings(BaseSettings):
    """Read from ``ACTKIT_<SERVICE>_<FIELD>`` environment variables.

    Subclasses set ``service`` and ``model_config = SettingsConfigDict(env_prefix=...)``.
    """

    model_config = SettingsConfigDict(env_prefix="ACTKIT_", extra="ignore", populate_by_name=True)

    service: ClassVar[str]

    nats_url: str = "nats://127.0.0.1:4222"
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    data_dir: Path = Path("var")
    db_path: Path | None = None
    """The service's SQLite file; ``<data_dir>/<service>.db`` when unset."""
    metrics_port: int | None = None
    """Prometheus port; the service's default from the services table when unset, 0 = any."""
    metrics_host: str = "127.0.0.1"
    log_level: str = "INFO"
    state_bucket: str = "actkit-state"
    """The JetStream KV bucket that keeps the last value of stateful events."""
    certificate_dir: Path | None = Field(default=None, validation_alias="ACTKIT_CERTIFICATE_DIR")
    """The one folder of the certificates a program reads from files (802.1X's, for
    NetworkManager): accounts writes them, network names them. One setting for every service,
    ``ACTKIT_CERTIFICATE_DIR``; ``<data_dir>/certificates`` when unset."""

    @model_validator(mode="after")
    def _fill_defaults(self) -> ServiceSettings:
        if self.db_path is None:
            self.db_path = self.data_dir / f"{self.service}.db"
        if self.metrics_port is None:
            self.metrics_port = service(self.service).metrics_port
        return self

    @property
    def database(self) -> Path:
        """The SQLite file, always set after validation."""
        assert self.db_path is not None
        return self.db_path

    @property
    def certificate_path(self) -> Path:
        """Where the certificates a program reads from files are."""
        return self.certificate_dir or self.data_dir / "certificates"

    def nats_options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect``."""
        options: dict[str, Any] = {"servers": [self.nats_url]}
        if self.nats_user:
            options["user"] = self.nats_user
            options["password"] = (
                self.nats_password.get_secret_value() if self.nats_password else ""
            )
        return options

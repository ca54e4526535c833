"""Every service reads the certificate folder from one setting."""

from pathlib import Path
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


class _NetworkSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_NETWORK_", extra="ignore")
    service: ClassVar[str] = "network"


class _AccountsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_ACCOUNTS_", extra="ignore")
    service: ClassVar[str] = "accounts"


def test_the_certificate_folder_is_one_setting_for_every_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _NetworkSettings(data_dir=Path("var")).certificate_path == Path("var/certificates")
    monkeypatch.setenv("ACTKIT_CERTIFICATE_DIR", "/var/lib/actkit/certificates")
    monkeypatch.setenv("ACTKIT_NETWORK_DATA_DIR", "/data/network")
    monkeypatch.setenv("ACTKIT_ACCOUNTS_DATA_DIR", "/data/accounts")
    shared = Path("/var/lib/actkit/certificates")
    assert _NetworkSettings().certificate_path == _AccountsSettings().certificate_path == shared
    assert _AccountsSettings(certificate_dir=Path("/tmp/c")).certificate_path == Path("/tmp/c")

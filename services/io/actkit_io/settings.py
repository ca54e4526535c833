"""Settings of the io service (``ACTKIT_IO_*``)."""

from pathlib import Path
from typing import ClassVar, Literal

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


def default_board() -> Path:
    """The W401 profile of the source tree (``deploy/boards/w401.toml``), found from here."""
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "deploy" / "boards" / "w401.toml"
        if candidate.is_file():
            return candidate
    return Path("deploy/boards/w401.toml")


class IoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_IO_", extra="ignore")
    service: ClassVar[str] = "io"

    adapter: Literal["sim", "periphery"] = "sim"
    """Which GPIO adapter drives the ports: ``sim`` (in memory) or ``periphery`` (GPIO cdev)."""
    board: Path = default_board()
    """The board profile (``ACTKIT_IO_BOARD``): its ports and GPIO lines."""

"""Settings of the io service (``ACTKIT_IO_*``)."""

from pathlib import Path
from typing import ClassVar, Literal

from pydantic_settings import SettingsConfigDict

from actkit_core.settings import ServiceSettings


def default_board() -> Path:
    """The W401 profile: ``deploy/boards/w401.toml`` of the source tree, or the wheel's copy."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        candidate = folder / "deploy" / "boards" / "w401.toml"
        if candidate.is_file():
            return candidate
    return here.parent / "boards" / "w401.toml"


class IoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTKIT_IO_", extra="ignore")
    service: ClassVar[str] = "io"

    adapter: Literal["sim", "periphery"] = "sim"
    """Which GPIO adapter drives the ports: ``sim`` (in memory) or ``periphery`` (GPIO cdev)."""
    board: Path = default_board()
    """The board profile (``ACTKIT_IO_BOARD``): its ports and GPIO lines."""

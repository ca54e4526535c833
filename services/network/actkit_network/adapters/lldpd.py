"""LLDP and CDP on the board: writes lldpd's configuration and applies it through ``lldpcli``."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from actkit_network.domain.discovery import LldpConfig, render_lldpd_conf
from actkit_proto import Unavailable

log = logging.getLogger(__name__)

# lldpcli says this when no lldpd runs (the file is then read when lldpd starts); it reports a
# command it refuses on stderr under this tag, even with exit status 0.
_NOT_RUNNING = "unable to connect to socket"
_REFUSED = "/lldpctl]"


class LldpdConfigurator:
    """Keeps ``config_path`` (read by lldpd at start) and the running lldpd in line.

    ``lldpcli`` is how lldpcli is started, e.g. ``["lldpcli", "-u", "/run/lldpd.socket"]``;
    when the program is not installed only the file is written.
    """

    def __init__(self, config_path: Path, lldpcli: Sequence[str] = ("lldpcli",)) -> None:
        self._config_path = config_path
        self._lldpcli = tuple(lldpcli)

    async def apply(self, config: LldpConfig) -> None:
        """Write the configuration and, when lldpd runs, apply it now.

        Raises:
            Unavailable: lldpd refused the configuration.
        """
        text = render_lldpd_conf(config)
        self._config_path.parent.mkdir(parents=True, exist_ok=True)
        written = self._config_path.with_name(self._config_path.name + ".new")
        written.write_text(text)
        os.replace(written, self._config_path)
        if shutil.which(self._lldpcli[0]) is None:
            log.info("lldpcli is not installed; lldpd reads %s when it starts", self._config_path)
            return
        # The commands go through stdin: lldpcli drops privileges and may not read the file.
        process = await asyncio.create_subprocess_exec(
            *self._lldpcli,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await process.communicate(text.encode())
        message = err.decode(errors="replace").strip()
        if process.returncode != 0 and _NOT_RUNNING in message:
            log.warning("lldpd is not running; it reads %s when it starts", self._config_path)
        elif process.returncode != 0 or _REFUSED in message:
            raise Unavailable(f"lldpd refused the LLDP/CDP configuration: {message}")

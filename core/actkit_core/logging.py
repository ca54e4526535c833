"""One log format for every service: ``time level service logger: message key=value``."""

from __future__ import annotations

import logging
import sys
import time


class _Formatter(logging.Formatter):
    converter = staticmethod(time.gmtime)

    def __init__(self, service: str) -> None:
        super().__init__(
            fmt=f"%(asctime)s.%(msecs)03dZ %(levelname)-7s {service} %(name)s: %(message)s",
            datefmt="%Y-%m-%dT%H:%M:%S",
        )


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stderr in the one format, at ``level`` and above."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("nats", "aiosqlite", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))

"""Runtime shared by every actkit service."""

__version__ = "0.1.0"

"""Finding a secret in an answer: the one check every secret walk (REST, bus) makes."""

from __future__ import annotations

import re
from typing import Any

SECRET_NAME = re.compile(r"password|passphrase|psk|community|secret|token|private_key|cak", re.I)
"""A field name that says it holds a secret; a ``has_*`` flag only says whether one is set."""


def secret_fields(value: Any, where: str = "") -> list[str]:
    """The secret-named fields in a JSON value that carry one (``None`` carries nothing).

    >>> secret_fields({"snmp": {"has_read_community": True, "read_community": "public"}})
    ['.snmp.read_community']
    """
    found = []
    if isinstance(value, dict):
        for name, inner in value.items():
            if SECRET_NAME.search(name) and not name.startswith("has_") and inner is not None:
                found.append(f"{where}.{name}")
            found += secret_fields(inner, f"{where}.{name}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += secret_fields(inner, f"{where}[{index}]")
    return found

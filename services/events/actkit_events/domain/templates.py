"""Notification and payload templates: ``{field}`` replaced by the event's fields."""

from __future__ import annotations

import string
from collections.abc import Mapping

TEMPLATE_FIELDS = ("rule_name", "rule_id", "time", "condition", "value")


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        # An unknown field stays as written, so a typo shows in the message instead of failing.
        return "{" + key + "}"


def render(template: str, fields: Mapping[str, str]) -> str:
    """The template with each known ``{field}`` filled in.

    >>> render("Rule {rule_name} at {time} {nope}", {"rule_name": "Door", "time": "08:00"})
    'Rule Door at 08:00 {nope}'
    """
    try:
        return string.Formatter().vformat(template, (), _Fields(fields))
    except (ValueError, IndexError):
        return template
